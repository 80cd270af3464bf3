package org.postroom.config;

import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postroom.Main;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SettingsTest {

    private static Settings parse(String hocon) {
        return Settings.from(ConfigLoader.fromFileConfig(ConfigFactory.parseString("postroom {" + hocon + "}")));
    }

    private static ConfigError error(String hocon) {
        return assertThrows(ConfigError.class, () -> parse(hocon));
    }

    @Test
    void defaultsFollowTheDesignTable() {
        Settings s = parse("");
        assertEquals(30, s.outbound().maxSessions());
        assertEquals(0, s.outbound().maxMessagesPerSession());
        assertEquals(50, s.inbound().smtp().maxSessions());
        assertEquals(50, s.inbound().msa().maxSessions());
        assertEquals(50, s.inbound().pop3().maxSessions());
        assertEquals(50, s.inbound().imap().maxSessions());
        assertEquals(Duration.ofMinutes(5), s.outbound().failureCache());
        assertEquals(0, s.outbound().maxConnectionsPerIp());
        assertEquals(5, s.multipop().maxSessions());
        assertEquals(Duration.ofMinutes(30), s.inbound().imapAutologout());
        assertEquals(25L * 1024 * 1024, s.inbound().maxMessageSize());
    }

    @Test
    void shippedConfigIsValid() {
        Settings s = Settings.from(ConfigLoader.load(Path.of("conf/postroom.conf")));
        assertEquals("mail.example.test", s.hostname());
        assertEquals(2525, s.inbound().smtp().port());
        assertEquals(2587, s.inbound().msa().port());
        assertTrue(s.inbound().security().msaSenderMustMatchLogin());
        assertEquals(2110, s.inbound().pop3().port());
        assertEquals(2143, s.inbound().imap().port());
        assertEquals(9025, s.admin().port());
        assertTrue(s.isLocalDomain("EXAMPLE.test"));
    }

    @Test
    void negativeLimitNamesTheKeyWithoutPrefix() {
        ConfigError e = error("outbound.max-sessions = -1");
        assertEquals("outbound.max-sessions", e.key());
        assertTrue(e.getMessage().contains("-1"), e.getMessage());
    }

    @Test
    void inboundLimitMustBeAtLeastOne() {
        assertEquals("inbound.smtp.max-sessions", error("inbound.smtp.max-sessions = 0").key());
    }

    @Test
    void wrongTypeNamesKeyAndValue() {
        ConfigError e = error("inbound.imap.max-sessions = lots");
        assertEquals("inbound.imap.max-sessions", e.key());
        assertTrue(e.getMessage().contains("lots"), e.getMessage());
    }

    @Test
    void portOutOfRangeIsRefused() {
        assertEquals("inbound.pop3.port", error("inbound.pop3.port = 70000").key());
    }

    @Test
    void accountInUnknownDomainIsRefused() {
        ConfigError e = error("local-domains = [\"a.test\"], accounts = [{ address = \"x@b.test\", password = \"p\" }]");
        assertEquals("accounts[0].address", e.key());
    }

    @Test
    void multipopSourceForUnknownAccountIsRefused() {
        ConfigError e = error("multipop.sources = [{ account = \"nobody@x.test\", host = h, user = u, password = p }]");
        assertEquals("multipop.sources[0].account", e.key());
    }

    @Test
    void badTrustedRangeAndBadDurationAreRefused() {
        assertEquals("outbound.trusted-ips", error("outbound.trusted-ips = [\"10.0.0.0/40\"]").key());
        assertEquals("outbound.failure-cache", error("outbound.failure-cache = soon").key());
        assertEquals("outbound.failure-cache", error("outbound.failure-cache = -5 minutes").key());
    }

    @Test
    void zeroFailureCacheMeansNeverCache() {
        assertEquals(Duration.ZERO, parse("outbound.failure-cache = 0").outbound().failureCache());
    }

    @Test
    void mainExitsWithCode2AndOneLineOnBadConfig(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("bad.conf");
        Files.writeString(file, "postroom.inbound.smtp.max-sessions = -3\n");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream old = System.err;
        int code;
        try {
            System.setErr(new PrintStream(err, true));
            code = new CommandLine(new Main()).execute("--config", file.toString());
        } finally {
            System.setErr(old);
        }
        assertEquals(2, code);
        String text = err.toString().trim();
        assertEquals(1, text.lines().count(), text);
        assertTrue(text.contains("inbound.smtp.max-sessions") && text.contains("-3"), text);
    }
}
