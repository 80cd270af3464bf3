package org.postroom.security;

import org.junit.jupiter.api.Test;
import org.postroom.testsupport.TestEngine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shared failed-login throttle over real sockets: failures on one protocol count on the others,
 * a locked-out client gets the protocol's temporary error even with the right password, and a failure
 * is answered only after the throttle's pause.
 */
class AuthThrottleIntegrationTest {

    private static final String THROTTLE = "inbound.auth { max-failures = 3, delay = 0, lockout = 10 minutes }";

    @Test
    void smtpAuthShouldBeRefusedWith454AfterTooManyFailuresAndLockPop3Too() throws Exception {
        try (TestEngine engine = TestEngine.start(THROTTLE)) {
            try (Wire msa = Wire.plain(engine.port("msa"))) {
                assertTrue(msa.reply().startsWith("220 "));
                assertTrue(msa.command("EHLO client.example").startsWith("250"));
                for (int i = 0; i < 3; i++) {
                    assertTrue(msa.command("AUTH PLAIN " + Wire.plainAuth("alice@example.test", "wrong" + i))
                            .startsWith("535 5.7.8"));
                }
                assertEquals("454 4.7.0 Too many failed authentication attempts, try again later",
                        msa.command("AUTH PLAIN " + Wire.plainAuth("alice@example.test", "alice-pw")));
                // Another account from the same address: the address is locked.
                assertTrue(msa.command("AUTH PLAIN " + Wire.plainAuth("bob@example.test", "bob-pw"))
                        .startsWith("454 4.7.0"));
            }
            try (Wire pop = Wire.plain(engine.port("pop3"))) {
                assertTrue(pop.line().startsWith("+OK"));
                assertTrue(pop.pop("USER bob@example.test").startsWith("+OK"));
                assertEquals("-ERR [SYS/TEMP] Too many failed logins, try again later", pop.pop("PASS bob-pw"));
                assertTrue(pop.pop("NOOP").startsWith("+OK"), "the session stays usable");
            }
            java.util.Map<String, Object> status = engine.services().authThrottle().status();
            assertEquals(3L, status.get("failedLogins"), status.toString());
            assertEquals(3L, status.get("lockedOutAttempts"), status.toString());
        }
    }

    @Test
    void pop3FailuresShouldLockOutAcrossSessionsAndSmtp() throws Exception {
        try (TestEngine engine = TestEngine.start(THROTTLE)) {
            int port = engine.port("pop3");
            try (Wire pop = Wire.plain(port)) {
                pop.line();
                for (int i = 0; i < 2; i++) {
                    pop.pop("USER alice");
                    assertTrue(pop.pop("PASS nope").startsWith("-ERR [AUTH]"));
                }
            }
            try (Wire pop = Wire.plain(port)) {
                pop.line();
                pop.pop("USER alice@example.test");
                assertTrue(pop.pop("PASS nope").startsWith("-ERR [AUTH]"));
                pop.pop("USER alice@example.test");
                assertEquals("-ERR [SYS/TEMP] Too many failed logins, try again later", pop.pop("PASS alice-pw"));
            }
            try (Wire msa = Wire.plain(engine.port("msa"))) {
                msa.reply();
                msa.command("EHLO client.example");
                assertTrue(msa.command("AUTH PLAIN " + Wire.plainAuth("alice@example.test", "alice-pw"))
                        .startsWith("454 4.7.0"));
            }
        }
    }

    @Test
    void aFailedLoginShouldBeAnsweredAfterTheThrottlePause() throws Exception {
        try (TestEngine engine = TestEngine.start("inbound.auth { max-failures = 0, delay = 400ms, max-delay = 400ms }")) {
            try (Wire pop = Wire.plain(engine.port("pop3"))) {
                pop.line();
                pop.pop("USER alice");
                long start = System.nanoTime();
                assertTrue(pop.pop("PASS nope").startsWith("-ERR [AUTH]"));
                long tookMs = (System.nanoTime() - start) / 1_000_000;
                assertTrue(tookMs >= 380, "answered after " + tookMs + " ms");
                pop.pop("USER alice");
                assertTrue(pop.pop("PASS alice-pw").startsWith("+OK"), "max-failures 0: never locked out");
            }
            try (Wire msa = Wire.plain(engine.port("msa"))) {
                msa.reply();
                msa.command("EHLO client.example");
                long start = System.nanoTime();
                assertTrue(msa.command("AUTH PLAIN " + Wire.plainAuth("bob", "nope")).startsWith("535"));
                long tookMs = (System.nanoTime() - start) / 1_000_000;
                assertTrue(tookMs >= 380, "answered after " + tookMs + " ms");
            }
        }
    }

    @Test
    void imapLoginFailuresShouldLockOutImapAndTheOtherProtocols() throws Exception {
        try (TestEngine engine = TestEngine.start(THROTTLE)) {
            try (Wire imap = Wire.plain(engine.port("imap"))) {
                assertTrue(imap.line().startsWith("* OK"));
                for (int i = 0; i < 3; i++) {
                    imap.send("a" + i + " LOGIN alice@example.test wrong" + i + "\r\n");
                    assertEquals("a" + i + " NO [AUTHENTICATIONFAILED] Invalid credentials", imap.line());
                }
                imap.send("b LOGIN alice@example.test alice-pw\r\n");
                assertEquals("b NO [UNAVAILABLE] Too many failed logins, try again later", imap.line());
            }
            try (Wire pop = Wire.plain(engine.port("pop3"))) {
                pop.line();
                pop.pop("USER alice@example.test");
                assertEquals("-ERR [SYS/TEMP] Too many failed logins, try again later", pop.pop("PASS alice-pw"));
            }
        }
    }

    @Test
    void pop3FailuresShouldLockOutImapLogin() throws Exception {
        try (TestEngine engine = TestEngine.start(THROTTLE)) {
            try (Wire pop = Wire.plain(engine.port("pop3"))) {
                pop.line();
                for (int i = 0; i < 3; i++) {
                    pop.pop("USER bob@example.test");
                    assertTrue(pop.pop("PASS nope").startsWith("-ERR [AUTH]"));
                }
            }
            try (Wire imap = Wire.plain(engine.port("imap"))) {
                imap.line();
                imap.send("c LOGIN bob@example.test bob-pw\r\n");
                assertEquals("c NO [UNAVAILABLE] Too many failed logins, try again later", imap.line());
            }
        }
    }
}
