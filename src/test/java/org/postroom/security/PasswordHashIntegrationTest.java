package org.postroom.security;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.typesafe.config.ConfigFactory;
import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import org.junit.jupiter.api.Test;
import org.postroom.auth.PasswordHash;
import org.postroom.config.ConfigError;
import org.postroom.config.ConfigLoader;
import org.postroom.config.Settings;
import org.postroom.smtp.SmtpClients;
import org.postroom.testsupport.TestEngine;
import org.slf4j.LoggerFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Accounts with {@code password-hash} log in over SMTP AUTH and POP3; plain passwords are warned about. */
class PasswordHashIntegrationTest {

    @Test
    void aHashedAccountShouldLogInOverSmtpAuthAndPop3() throws Exception {
        String hash = PasswordHash.hash("s3cret-Horse");
        assertTrue(hash.startsWith("$pbkdf2-sha256$i="), hash);
        try (TestEngine engine = TestEngine.start("""
                accounts = [
                  { address = "alice@example.test", password-hash = "%s" }
                  { address = "bob@example.test", password = "bob-pw" }
                ]
                """.formatted(hash))) {
            Session session = SmtpClients.angus(engine.port("msa"), true, "PLAIN");
            try (Transport t = session.getTransport("smtp")) {
                t.connect("alice@example.test", "s3cret-Horse");
                t.sendMessage(SmtpClients.raw(session, "From: alice@example.test\r\nSubject: hashed-login\r\n\r\nhi\r\n"),
                        new InternetAddress[] {new InternetAddress("bob@example.test")});
            }
            SmtpClients.find(engine.services().store(), "bob@example.test", "Subject: hashed-login");
            try (Transport t = session.getTransport("smtp")) {
                assertThrows(AuthenticationFailedException.class, () -> t.connect("alice@example.test", hash));
            }
            try (Wire pop = Wire.plain(engine.port("pop3"))) {
                pop.line();
                pop.pop("USER alice");
                assertTrue(pop.pop("PASS s3cret-Horse").startsWith("+OK"));
            }
        }
    }

    @Test
    void aPlainPasswordShouldBeWarnedAboutAtStartNamingTheAccount() {
        Logger logger = (Logger) LoggerFactory.getLogger(org.postroom.engine.EngineGuardian.class);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        try (TestEngine engine = TestEngine.start("""
                accounts = [
                  { address = "alice@example.test", password-hash = "%s" }
                  { address = "bob@example.test", password = "bob-pw" }
                ]
                """.formatted(PasswordHash.hash("x")))) {
            var warnings = appender.list.stream().map(ILoggingEvent::getFormattedMessage)
                    .filter(m -> m.contains("plain-text password")).toList();
            assertEquals(1, warnings.size(), warnings.toString());
            assertTrue(warnings.get(0).contains("bob@example.test"));
            assertFalse(warnings.get(0).contains("bob-pw"), "never the password itself");
        } finally {
            logger.detachAppender(appender);
        }
    }

    @Test
    void aMalformedHashShouldStopTheStartNamingTheKey() {
        ConfigError e = assertThrows(ConfigError.class, () -> Settings.from(ConfigLoader.fromFileConfig(
                ConfigFactory.parseString("""
                        postroom {
                          local-domains = ["example.test"]
                          accounts = [ { address = "alice@example.test", password-hash = "md5:abc" } ]
                        }
                        """))));
        assertTrue(e.getMessage().contains("accounts[0].password-hash"), e.getMessage());
    }
}
