package org.postroom.queue;

import com.typesafe.config.ConfigFactory;
import org.postroom.config.Settings;

import java.nio.file.Path;

/** Settings for outbound tests: reference defaults, a local domain with alice and bob, and overrides. */
public final class TestSettings {
    private TestSettings() {
    }

    /** {@code overrides} is HOCON inside {@code postroom { }}. */
    public static Settings of(Path dataDir, String overrides) {
        String base = "hostname = \"mail.example.test\"\n"
                + "data-dir = \"" + dataDir.toString().replace("\\", "\\\\") + "\"\n"
                + "local-domains = [\"example.test\"]\n"
                + "accounts = [ { address = \"alice@example.test\", password = \"alice-pw\" },"
                + " { address = \"bob@example.test\", password = \"bob-pw\" } ]\n";
        return Settings.from(ConfigFactory.parseString("postroom {\n" + base + overrides + "\n}")
                .withFallback(ConfigFactory.defaultReference()).resolve());
    }

    public static Settings.OutboundSettings outbound(String overrides) {
        return of(Path.of("unused"), "outbound {\n" + overrides + "\n}").outbound();
    }
}
