package org.postroom.security;

import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.Test;
import org.postroom.config.ConfigError;
import org.postroom.config.ConfigLoader;
import org.postroom.config.Settings;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The security keys: defaults, "auto" values, and errors that name the key. */
class SecuritySettingsTest {

    private static Settings read(String inside) {
        return Settings.from(ConfigLoader.fromFileConfig(ConfigFactory.parseString("postroom {\n" + inside + "\n}")));
    }

    private static ConfigError error(String inside) {
        return assertThrows(ConfigError.class, () -> read(inside));
    }

    @Test
    void defaultsShouldBeUnlimitedPerIpWithLoopbackExemptAndImplicitTlsOff() {
        Settings s = read("");
        Settings.InboundSecurity sec = s.inbound().security();
        assertEquals(0, s.inbound().smtp().maxSessionsPerIp());
        assertEquals(0, s.inbound().pop3().maxConnectionsPerMinutePerIp());
        assertFalse(sec.trustedIpsUseConnectionLimit());
        assertFalse(sec.reservedIpsUseConnectionLimit());
        assertEquals(5, sec.authMaxFailures());
        assertEquals(Duration.ofMinutes(10), sec.authLockout());
        assertFalse(sec.msaRequireTlsForAuth(), "msa binds 127.0.0.1 by default: auto = false");
        assertEquals(Duration.ZERO, sec.smtpGreetingDelay(), "smtp binds 127.0.0.1 by default: auto = 0");
        assertTrue(sec.msaSenderMustMatchLogin(), "the MSA binds MAIL FROM to the login by default");
        assertEquals(7, s.inbound().listeners().size());
        s.inbound().implicitTlsListeners().forEach(l -> {
            assertFalse(l.enabled(), l.kind());
            assertTrue(l.implicitTls(), l.kind());
        });
        assertEquals(465, s.inbound().implicitTlsListeners().get(0).port());
    }

    @Test
    void autoShouldRequireTlsAndDelayTheGreetingOffLoopback() {
        Settings s = read("inbound.msa.bind = \"0.0.0.0\"\ninbound.smtp.bind = \"192.0.2.1\"");
        assertTrue(s.inbound().security().msaRequireTlsForAuth());
        assertEquals(Duration.ofSeconds(1), s.inbound().security().smtpGreetingDelay());
        Settings off = read("inbound.msa.bind = \"0.0.0.0\"\ninbound.msa.require-tls-for-auth = false\n"
                + "inbound.smtp.greeting-delay = 0");
        assertFalse(off.inbound().security().msaRequireTlsForAuth());
        assertEquals(Duration.ZERO, off.inbound().security().smtpGreetingDelay());
        assertTrue(read("inbound.msa.require-tls-for-auth = true").inbound().security().msaRequireTlsForAuth());
    }

    @Test
    void senderMustMatchLoginShouldBeSwitchedOffOnlyWhenSaidSo() {
        assertFalse(read("inbound.msa.sender-must-match-login = false").inbound().security().msaSenderMustMatchLogin());
        assertFalse(read("inbound.msa.sender-must-match-login = off").inbound().security().msaSenderMustMatchLogin());
        assertTrue(read("inbound.msa.sender-must-match-login = true").inbound().security().msaSenderMustMatchLogin());
        assertTrue(Settings.InboundSecurity.defaults().msaSenderMustMatchLogin());
    }

    @Test
    void badValuesShouldNameTheirKey() {
        assertEquals("inbound.smtp.max-sessions-per-ip", error("inbound.smtp.max-sessions-per-ip = -1").key());
        assertEquals("inbound.pop3.max-connections-per-minute-per-ip",
                error("inbound.pop3.max-connections-per-minute-per-ip = lots").key());
        assertEquals("inbound.trusted-ips", error("inbound.trusted-ips = [\"not-an-ip\"]").key());
        assertEquals("inbound.msa.require-tls-for-auth", error("inbound.msa.require-tls-for-auth = sometimes").key());
        assertEquals("inbound.auth.max-failures", error("inbound.auth.max-failures = -2").key());
        assertEquals("inbound.auth.lockout", error("inbound.auth.lockout = -1 minute").key());
        assertEquals("inbound.auth.max-delay", error("inbound.auth { delay = 5s, max-delay = 1s }").key());
        assertEquals("inbound.smtp.greeting-delay", error("inbound.smtp.greeting-delay = soon").key());
        assertEquals("inbound.smtps.port", error("inbound.smtps.port = 70000").key());
        assertEquals("inbound.msa.sender-must-match-login", error("inbound.msa.sender-must-match-login = maybe").key());
    }
}
