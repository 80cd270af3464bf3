package org.postroom.security;

import org.junit.jupiter.api.Test;
import org.postroom.testsupport.TestEngine;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A reload applies the per-session limits to sessions opened after it, without a restart; a session
 * opened before it keeps the limits it started with.
 */
class SessionLimitsReloadIntegrationTest {

    @Test
    void newSmtpSessionsShouldTakeTheReloadedRecipientLimitAndOpenOnesKeepTheirs() throws Exception {
        try (TestEngine engine = TestEngine.start("inbound.max-recipients = 3")) {
            int port = engine.port("smtp");
            try (Wire before = Wire.plain(port)) {
                assertTrue(before.line().startsWith("220 "));
                before.command("EHLO client.example");
                assertTrue(before.command("MAIL FROM:<someone@remote.test>").startsWith("250"));

                var result = engine.reload("inbound.max-recipients = 1");
                assertTrue(result.restartNeeded().isEmpty(), result.restartNeeded().toString());

                // Opened before the reload: still 3.
                for (String rcpt : new String[] {"alice", "bob", "demo"}) {
                    assertTrue(before.command("RCPT TO:<" + rcpt + "@example.test>").startsWith("250"), rcpt);
                }
                try (Wire after = Wire.plain(port)) {
                    assertTrue(after.line().startsWith("220 "));
                    after.command("EHLO client.example");
                    assertTrue(after.command("MAIL FROM:<someone@remote.test>").startsWith("250"));
                    assertTrue(after.command("RCPT TO:<alice@example.test>").startsWith("250"));
                    assertTrue(after.command("RCPT TO:<bob@example.test>").startsWith("452 4.5.3"));
                }
            }
        }
    }

    @Test
    void newPop3AndImapSessionsShouldTakeTheReloadedLineLength() throws Exception {
        try (TestEngine engine = TestEngine.start("")) {
            String longName = "x".repeat(700);
            try (Wire pop = Wire.plain(engine.port("pop3"))) {
                assertTrue(pop.line().startsWith("+OK"));
                assertTrue(pop.pop("USER " + longName).startsWith("+OK"), "700 octets are fine by default");
            }
            try (Wire imap = Wire.plain(engine.port("imap"))) {
                assertTrue(imap.line().startsWith("* OK"));
                imap.send("a1 SELECT " + longName + "\r\n");
                String reply = imap.line();
                assertTrue(reply.startsWith("a1 BAD") && !reply.contains("too long"), reply);
            }

            engine.reload("inbound.max-line-length = 600");
            try (Wire pop = Wire.plain(engine.port("pop3"))) {
                assertTrue(pop.line().startsWith("+OK"));
                String reply = pop.pop("USER " + longName);
                assertTrue(reply.startsWith("-ERR") && reply.contains("too long"), reply);
            }
            try (Wire imap = Wire.plain(engine.port("imap"))) {
                assertTrue(imap.line().startsWith("* OK"));
                imap.send("a2 SELECT " + longName + "\r\n");
                String reply = imap.line();
                assertTrue(reply.contains("BAD") && reply.contains("too long"), reply);
            }
        }
    }
}
