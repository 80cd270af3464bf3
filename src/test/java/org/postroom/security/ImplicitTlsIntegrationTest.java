package org.postroom.security;

import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.postroom.smtp.SmtpClients;
import org.postroom.testsupport.TestEngine;

import javax.net.ssl.SSLSocket;
import java.time.Duration;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The implicit-TLS listeners (smtps, pop3s) with the generated self-signed certificate. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ImplicitTlsIntegrationTest {
    private TestEngine engine;

    @BeforeAll
    void start() {
        engine = TestEngine.start("""
                inbound.smtps { enabled = true, port = 0 }
                inbound.pop3s { enabled = true, port = 0 }
                inbound.imaps { enabled = true, port = 0 }
                """);
    }

    @AfterAll
    void stop() {
        engine.close();
    }

    @Test
    void smtpsShouldGreetAfterTheHandshakeAndOfferAuthButNoStartTls() throws Exception {
        try (Wire w = Wire.tls(engine.port("smtps"))) {
            String protocol = ((SSLSocket) w.socket()).getSession().getProtocol();
            assertTrue(protocol.equals("TLSv1.2") || protocol.equals("TLSv1.3"), protocol);
            assertTrue(w.reply().startsWith("220 mail.example.test"));
            String ehlo = w.command("EHLO client.example");
            assertTrue(ehlo.contains("AUTH PLAIN LOGIN"), ehlo);
            assertFalse(ehlo.contains("STARTTLS"), ehlo);
            assertTrue(w.command("AUTH PLAIN " + Wire.plainAuth("alice@example.test", "alice-pw")).startsWith("235"));
            assertTrue(w.command("MAIL FROM:<alice@example.test>").startsWith("250"));
            assertTrue(w.command("RCPT TO:<bob@example.test>").startsWith("250"));
            assertTrue(w.command("DATA").startsWith("354"));
            assertTrue(w.command("Subject: over-smtps\r\n\r\nhello\r\n.").startsWith("250"));
        }
        String stored = SmtpClients.find(engine.services().store(), "bob@example.test", "Subject: over-smtps");
        assertTrue(stored.contains("with ESMTPSA id"), stored);
        assertTrue(engine.metrics().sessions("smtps").accepted() >= 1);
    }

    @Test
    void angusShouldSubmitOverSmtps() throws Exception {
        Session session = SmtpClients.angus(engine.port("smtps"), true, null);
        session.getProperties().put("mail.smtp.ssl.enable", "true");
        session.getProperties().put("mail.smtp.ssl.trust", "*");
        try (Transport t = session.getTransport("smtp")) {
            t.connect("bob@example.test", "bob-pw");
            t.sendMessage(SmtpClients.raw(session, "From: bob@example.test\r\nSubject: angus-smtps\r\n\r\nhi\r\n"),
                    new InternetAddress[] {new InternetAddress("alice@example.test")});
        }
        assertTrue(SmtpClients.find(engine.services().store(), "alice@example.test", "Subject: angus-smtps")
                .contains("ESMTPSA"));
    }

    @Test
    void pop3sShouldLogInWithoutOfferingStls() throws Exception {
        try (Wire w = Wire.tls(engine.port("pop3s"))) {
            assertTrue(w.line().startsWith("+OK"));
            assertTrue(w.pop("CAPA").startsWith("+OK"));
            String capa = w.popBody();
            assertFalse(capa.contains("STLS"), capa);
            assertTrue(w.pop("USER demo@example.test").startsWith("+OK"));
            assertTrue(w.pop("PASS demo").startsWith("+OK"));
            assertTrue(w.pop("STAT").startsWith("+OK"));
            assertTrue(w.pop("QUIT").startsWith("+OK"));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> engine.metrics().sessions("pop3s").active() == 0);
        assertTrue(engine.metrics().sessions("pop3s").accepted() >= 1);
    }

    /**
     * Regression: the ClientHello used to race the session's switch to TLS (it could reach the session as
     * "plaintext" and be dropped, hanging the handshake in about a third of connections).
     */
    @Test
    void everyHandshakeShouldCompleteWhenClientsSendAtOnce() throws Exception {
        for (int i = 0; i < 25; i++) {
            try (Wire w = Wire.tls(engine.port("smtps"))) {
                w.send("EHLO eager.example\r\n");
                assertTrue(w.reply().startsWith("220 "), "smtps connection " + i);
                assertTrue(w.reply().startsWith("250"), "smtps connection " + i);
            }
            try (Wire w = Wire.plain(engine.port("pop3"))) {
                assertTrue(w.line().startsWith("+OK"));
                assertTrue(w.pop("STLS").startsWith("+OK"), "pop3 STLS " + i);
                w.startTls();
                assertTrue(w.pop("NOOP").startsWith("+OK"), "pop3 after STLS " + i);
            }
            try (Wire w = Wire.plain(engine.port("smtp"))) {
                w.reply();
                w.command("EHLO c");
                assertTrue(w.command("STARTTLS").startsWith("220"), "smtp STARTTLS " + i);
                w.startTls();
                assertTrue(w.command("EHLO c").startsWith("250"), "smtp after STARTTLS " + i);
            }
        }
    }

    @Test
    void imapsShouldLogInWithoutOfferingStartTls() throws Exception {
        try (Wire w = Wire.tls(engine.port("imaps"))) {
            assertTrue(w.line().startsWith("* OK"));
            w.send("a1 CAPABILITY\r\n");
            String caps = w.line();
            assertTrue(caps.startsWith("* CAPABILITY"), caps);
            assertFalse(caps.contains("STARTTLS"), caps);
            assertTrue(w.line().startsWith("a1 OK"));
            w.send("a2 LOGIN alice@example.test alice-pw\r\n");
            String login = w.line();
            while (login.startsWith("*")) {
                login = w.line();
            }
            assertTrue(login.startsWith("a2 OK"), login);
        }
        assertTrue(engine.metrics().sessions("imaps").accepted() >= 1);
    }

    @Test
    void aPlaintextClientOnAnImplicitTlsPortShouldGetNoPlaintextReply() throws Exception {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", engine.port("pop3s"))) {
            s.setSoTimeout(2000);
            s.getOutputStream().write("USER demo\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            byte[] got = new byte[256];
            int n;
            try {
                n = s.getInputStream().read(got);
            } catch (java.net.SocketTimeoutException | java.net.SocketException e) {
                n = -1; // nothing at all (the TLS engine waits for a whole record) or a reset
            }
            String text = n <= 0 ? "" : new String(got, 0, n, java.nio.charset.StandardCharsets.ISO_8859_1);
            assertFalse(text.startsWith("+OK") || text.startsWith("-ERR"), "plaintext POP3 on a TLS port: " + text);
        }
    }
}
