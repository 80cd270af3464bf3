package org.postroom.security;

import org.junit.jupiter.api.Test;
import org.postroom.testsupport.TestEngine;

import java.time.Duration;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Clients that only send garbage are dropped after {@code inbound.max-bad-commands} on every protocol,
 * and are counted out (no session leaks), over real sockets.
 */
class BadClientsIntegrationTest {

    @Test
    void garbageShouldGetSmtpAndPop3ClientsDroppedAndCountedOut() throws Exception {
        try (TestEngine engine = TestEngine.start("inbound.max-bad-commands = 3")) {
            try (Wire smtp = Wire.plain(engine.port("smtp"))) {
                smtp.reply();
                StringBuilder junk = new StringBuilder();
                for (int i = 0; i < 10; i++) {
                    junk.append("XYZZY ").append(i).append("\r\n");
                }
                smtp.send(junk.toString());
                String last = "";
                for (int i = 0; i < 4; i++) {
                    last = smtp.reply();
                }
                assertEquals("421 4.7.0 mail.example.test Error: too many bad commands", last);
                assertTrue(smtp.closedByServer());
            }
            try (Wire pop = Wire.plain(engine.port("pop3"))) {
                pop.line();
                for (int i = 0; i < 3; i++) {
                    assertTrue(pop.pop("XYZZY").startsWith("-ERR"));
                }
                assertTrue(pop.pop("XYZZY").startsWith("-ERR"), "the fourth is answered...");
                assertEquals("-ERR Too many bad commands, closing connection", pop.line(), "...then the session ends");
                assertTrue(pop.closedByServer());
            }
            try (Wire msa = Wire.plain(engine.port("msa"))) {
                msa.reply();
                msa.command("EHLO c");
                for (int i = 0; i < 3; i++) {
                    assertTrue(msa.command("AUTH PLAIN " + Wire.plainAuth("nobody", "x" + i)).startsWith("535"));
                }
                assertTrue(msa.command("AUTH PLAIN " + Wire.plainAuth("nobody", "y")).startsWith("421 4.7.0"),
                        "failed AUTH counts as a bad command");
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> engine.metrics().sessions("smtp").active() == 0
                    && engine.metrics().sessions("pop3").active() == 0 && engine.metrics().sessions("msa").active() == 0);
        }
    }

    @Test
    void pop3AndPop3sShouldShareTheMailboxLock() throws Exception {
        try (TestEngine engine = TestEngine.start("inbound.pop3s { enabled = true, port = 0 }")) {
            try (Wire plain = Wire.plain(engine.port("pop3")); Wire tls = Wire.tls(engine.port("pop3s"))) {
                plain.line();
                plain.pop("USER alice");
                assertTrue(plain.pop("PASS alice-pw").startsWith("+OK"));
                tls.line();
                tls.pop("USER alice");
                assertTrue(tls.pop("PASS alice-pw").startsWith("-ERR [IN-USE]"));
            }
        }
    }
}
