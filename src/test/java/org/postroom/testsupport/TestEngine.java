package org.postroom.testsupport;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.apache.pekko.actor.typed.ActorSystem;
import org.postroom.config.ConfigLoader;
import org.postroom.engine.Engine;
import org.postroom.engine.EngineServices;
import org.postroom.metrics.Metrics;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;

/**
 * A whole engine for integration tests: every listener on 127.0.0.1 with an ephemeral port, a fresh
 * temporary data dir, hostname {@code mail.example.test}, local domain {@code example.test} and the
 * accounts alice/alice-pw, bob/bob-pw, demo/demo. {@code overrides} is HOCON inside {@code postroom}.
 */
public final class TestEngine implements AutoCloseable {
    public static final String BASE = """
            hostname = "mail.example.test"
            local-domains = ["example.test"]
            accounts = [
              { address = "alice@example.test", password = "alice-pw" }
              { address = "bob@example.test", password = "bob-pw" }
              { address = "demo@example.test", password = "demo" }
            ]
            inbound {
              smtp { bind = "127.0.0.1", port = 0 }
              msa  { bind = "127.0.0.1", port = 0 }
              pop3 { bind = "127.0.0.1", port = 0 }
              imap { bind = "127.0.0.1", port = 0 }
            }
            outbound { delivery-interval = 1 hour, dns.servers = ["127.0.0.1:9"] }
            multipop { interval = 1 hour }
            admin { bind = "127.0.0.1", port = 0 }
            # Small journal segments: dozens of test engines each preallocate one; big messages go direct.
            store.journal.segment-size = 1 MiB
            """;

    private final Engine engine;
    private final Path dataDir;
    private final boolean ownDataDir;

    private TestEngine(Engine engine, Path dataDir, boolean ownDataDir) {
        this.engine = engine;
        this.dataDir = dataDir;
        this.ownDataDir = ownDataDir;
    }

    public static TestEngine start(String overrides) {
        try {
            return start(overrides, Files.createTempDirectory("postroom-test"), true);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts on an existing data dir (to test a restart); the caller deletes it. */
    public static TestEngine startOn(Path dataDir, String overrides) {
        return start(overrides, dataDir, false);
    }

    private static TestEngine start(String overrides, Path dataDir, boolean own) {
        String[] current = {overrides};
        Engine engine = Engine.start(config(dataDir, overrides), () -> config(dataDir, current[0]));
        TestEngine t = new TestEngine(engine, dataDir, own);
        t.currentOverrides = current;
        return t;
    }

    private static Config config(Path dataDir, String overrides) {
        String hocon = "postroom {\n" + BASE + "\ndata-dir = \"" + dataDir.toString().replace("\\", "\\\\")
                + "\"\n" + (overrides == null ? "" : overrides) + "\n}\n";
        return ConfigLoader.fromFileConfig(ConfigFactory.parseString(hocon));
    }

    private String[] currentOverrides;

    /**
     * Replaces the overrides the engine's config is read from, as editing the config file would; the
     * next reload (POST /reload or {@link #reload}) picks them up.
     */
    public void setOverrides(String overrides) {
        currentOverrides[0] = overrides;
    }

    /** Edits the "config file" and reloads, as an operator would. */
    public Engine.ReloadResult reload(String overrides) {
        setOverrides(overrides);
        return engine.reload();
    }

    public int port(String kind) {
        var address = engine.address(kind);
        if (address == null) {
            throw new IllegalStateException("no " + kind + " listener");
        }
        return address.getPort();
    }

    public int adminPort() {
        return engine.adminAddress().getPort();
    }

    public Path dataDir() {
        return dataDir;
    }

    public EngineServices services() {
        return engine.services();
    }

    public Metrics metrics() {
        return engine.services().metrics();
    }

    public ActorSystem<?> system() {
        return engine.system();
    }

    public Engine engine() {
        return engine;
    }

    @Override
    public void close() {
        engine.close();
        if (ownDataDir) {
            deleteRecursively(dataDir);
        }
    }

    public static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
