package org.postroom.smtp;

import jakarta.mail.Address;
import jakarta.mail.SendFailedException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.postroom.smtp.SmtpClients.LineClient;
import org.postroom.store.MaildirStore;
import org.postroom.testsupport.TestEngine;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The smtp listener over real sockets, with Angus Mail and a raw line client. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SmtpIntegrationTest {
    private TestEngine engine;
    private int port;
    private MaildirStore store;

    @BeforeAll
    void start() {
        engine = TestEngine.start("");
        port = SmtpListeners.port(engine, "smtp");
        store = engine.services().store();
    }

    @AfterAll
    void stop() {
        engine.close();
    }

    private void send(Session session, String raw, String... recipients) throws Exception {
        Address[] to = new Address[recipients.length];
        for (int i = 0; i < recipients.length; i++) {
            to[i] = new InternetAddress(recipients[i]);
        }
        try (Transport t = session.getTransport("smtp")) {
            t.connect();
            t.sendMessage(SmtpClients.raw(session, raw), to);
        }
    }

    @Test
    void mailToALocalAccountShouldLandInItsMaildirWithTheExactBodyBytes() throws Exception {
        String line998 = "0123456789".repeat(99) + "abcdefgh";
        assertEquals(998, line998.length());
        String body = "Gr\u00fc\u00dfe aus K\u00f6ln \u2615 \u00e9\u00e8\r\n"
                + ".a line starting with a dot\r\n"
                + "..two dots\r\n"
                + ".\r\n"
                + line998 + "\r\n"
                + "\r\n"
                + "last line\r\n";
        String headers = "From: sender@remote.example\r\nTo: alice@example.test\r\nSubject: exact-bytes\r\n"
                + "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n";
        send(SmtpClients.angus(port, false, null), headers + "\r\n" + body, "alice@example.test");

        String stored = SmtpClients.find(store, "alice@example.test", "Subject: exact-bytes");
        assertTrue(stored.startsWith("Return-Path: <"), stored);
        assertTrue(stored.contains("\nReceived: from client.example ([127.0.0.1])\n\tby mail.example.test (Postroom) with ESMTP id "),
                stored);
        assertTrue(stored.contains("\tfor <alice@example.test>; "), stored);
        assertEquals(body.replace("\r\n", "\n"), stored.substring(stored.indexOf("\n\n") + 2));
        assertTrue(stored.indexOf('\r') < 0, "LF line ends on disk");
    }

    @Test
    void relayToARemoteDomainShouldBeRefusedWith554() {
        SendFailedException e = assertThrows(SendFailedException.class, () ->
                send(SmtpClients.angus(port, false, null), "Subject: relay\r\n\r\nx\r\n", "victim@remote.example"));
        SMTPAddressFailedException refused = assertInstanceOf(SMTPAddressFailedException.class, e.getNextException());
        assertEquals(554, refused.getReturnCode());
        assertTrue(refused.getMessage().contains("5.7.1"), refused.getMessage());
    }

    @Test
    void unknownLocalAccountShouldBeRefusedWith550AtRcpt() {
        SendFailedException e = assertThrows(SendFailedException.class, () ->
                send(SmtpClients.angus(port, false, null), "Subject: nobody\r\n\r\nx\r\n", "nobody@example.test"));
        assertEquals(550, ((SMTPAddressFailedException) e.getNextException()).getReturnCode());
    }

    @Test
    void pipelinedCommandsShouldBeAnsweredInOrder() throws Exception {
        try (LineClient c = new LineClient(port)) {
            assertTrue(c.reply().startsWith("220 mail.example.test"));
            c.send("EHLO pipe.example\r\nMAIL FROM:<a@pipe.example>\r\nRCPT TO:<bob@example.test>\r\n"
                    + "RCPT TO:<nobody@example.test>\r\nRCPT TO:<demo@example.test>\r\nDATA\r\n");
            assertTrue(c.reply().contains("250-PIPELINING"));
            assertEquals("250 2.1.0 Ok", c.reply());
            assertEquals("250 2.1.5 Ok", c.reply());
            assertTrue(c.reply().startsWith("550 5.1.1"));
            assertEquals("250 2.1.5 Ok", c.reply());
            assertTrue(c.reply().startsWith("354 "));
            c.send("Subject: pipelined\r\n\r\nhello\r\n.\r\nQUIT\r\n");
            assertTrue(c.reply().startsWith("250 2.0.0 Ok: queued as "));
            assertEquals("221 2.0.0 mail.example.test Bye", c.reply());
            assertTrue(c.closedByServer());
        }
        SmtpClients.find(store, "bob@example.test", "Subject: pipelined");
        SmtpClients.find(store, "demo@example.test", "Subject: pipelined");
    }

    @Test
    void malformedInputShouldGetErrorsAndLeaveTheServerWorking() throws Exception {
        try (LineClient c = new LineClient(port)) {
            c.reply();
            c.send("EHLO garbage.example\r\n");
            c.reply();
            c.send("NOOP " + "x".repeat(10_000) + "\r\n");
            assertEquals("500 5.5.2 Line too long", c.reply());
            c.send(new byte[] {0, 0, 0, 'H', 0, 'E', '\r', '\n'});
            assertEquals("500 5.5.1 Error: command not recognized", c.reply());
            byte[] garbage = new byte[3000];
            new java.util.Random(7).nextBytes(garbage);
            for (int i = 0; i < garbage.length; i++) {
                if (garbage[i] == '\n') {
                    garbage[i] = 'x';
                }
            }
            garbage[1500] = '\n';
            garbage[2999] = '\n';
            c.send(garbage);
            String first = c.reply();
            String second = c.reply();
            assertTrue(first.startsWith("500 5.5."), first);
            assertTrue(second.startsWith("500 5.5."), second);
            c.send("NOOP\r\n");
            assertEquals("250 2.0.0 Ok", c.reply());
        }
        send(SmtpClients.angus(port, false, null), "Subject: after-garbage\r\n\r\nfine\r\n", "bob@example.test");
        SmtpClients.find(store, "bob@example.test", "Subject: after-garbage");
    }

    @Test
    void tooManyBadCommandsShouldCloseTheConnectionWith421() throws Exception {
        try (LineClient c = new LineClient(port)) {
            c.reply();
            c.send("BAD\r\n".repeat(21));
            for (int i = 0; i < 20; i++) {
                assertTrue(c.reply().startsWith("500 "));
            }
            assertEquals("421 4.7.0 mail.example.test Error: too many bad commands", c.reply());
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void messageOverTheSizeLimitShouldGet552AfterTheData() throws Exception {
        try (TestEngine small = TestEngine.start("inbound.max-message-size = 2000")) {
            int p = SmtpListeners.port(small, "smtp");
            try (LineClient c = new LineClient(p)) {
                c.reply();
                c.send("EHLO big.example\r\n");
                assertTrue(c.reply().contains("250-SIZE 2000"));
                c.send("MAIL FROM:<a@big.example> SIZE=3000\r\n");
                assertTrue(c.reply().startsWith("552 5.3.4"));
                c.send("MAIL FROM:<a@big.example>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\n");
                c.reply();
                c.reply();
                c.reply();
                c.send(("y".repeat(98) + "\r\n").repeat(50) + ".\r\n");
                assertTrue(c.reply().startsWith("552 5.3.4"));
                c.send("QUIT\r\n");
                assertTrue(c.reply().startsWith("221"));
            }
            assertEquals(List.of(), SmtpClients.inbox(small.services().store(), "alice@example.test"));
        }
    }
}
