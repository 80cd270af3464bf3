package org.postroom.smtp;

import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.postroom.testsupport.TestEngine;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** STARTTLS over real sockets on a listener that enables it ({@code SmtpProtocol.smtp().withStartTls()}). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StartTlsIntegrationTest {
    private TestEngine engine;
    private int port;

    @BeforeAll
    void start() {
        engine = TestEngine.start("");
        assertNotNull(engine.services().tls(), "the test engine generates a self-signed certificate");
        port = SmtpListeners.listen(engine, SmtpProtocol.smtp().withStartTls()).getPort();
    }

    @AfterAll
    void stop() {
        engine.close();
    }

    @Test
    void angusShouldSendOverStartTls() throws Exception {
        Session session = SmtpClients.angus(port, false, null);
        session.getProperties().put("mail.smtp.starttls.enable", "true");
        session.getProperties().put("mail.smtp.starttls.required", "true");
        session.getProperties().put("mail.smtp.ssl.trust", "*");
        try (Transport t = session.getTransport("smtp")) {
            t.connect();
            t.sendMessage(SmtpClients.raw(session, "Subject: over-tls\r\n\r\nsecret\r\n"),
                    new InternetAddress[] {new InternetAddress("alice@example.test")});
        }
        String stored = SmtpClients.find(engine.services().store(), "alice@example.test", "Subject: over-tls");
        assertTrue(stored.contains(" with ESMTPS id "), stored);
    }

    @Test
    void plaintextPipelinedBehindStartTlsShouldBeIgnored() throws Exception {
        try (Socket plain = new Socket("127.0.0.1", port)) {
            plain.setSoTimeout(10_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(plain.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = plain.getOutputStream();
            assertTrue(in.readLine().startsWith("220 "));
            out.write("EHLO c\r\n".getBytes(StandardCharsets.US_ASCII));
            String line;
            boolean offered = false;
            while ((line = in.readLine()).startsWith("250-")) {
                offered |= line.equals("250-STARTTLS");
            }
            offered |= line.equals("250 STARTTLS");
            assertTrue(offered, "STARTTLS advertised");
            out.write("STARTTLS\r\nMAIL FROM:<evil@attacker.example>\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertEquals("220 2.0.0 Ready to start TLS", in.readLine());

            SSLContext trustAll = SSLContext.getInstance("TLS");
            trustAll.init(null, new TrustManager[] {new X509TrustManager() {
                public void checkClientTrusted(X509Certificate[] c, String a) {
                }

                public void checkServerTrusted(X509Certificate[] c, String a) {
                }

                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            }}, null);
            try (SSLSocket tls = (SSLSocket) trustAll.getSocketFactory().createSocket(plain, "127.0.0.1", port, true)) {
                tls.startHandshake();
                BufferedReader tin = new BufferedReader(new InputStreamReader(tls.getInputStream(), StandardCharsets.US_ASCII));
                OutputStream tout = tls.getOutputStream();
                tout.write("EHLO c\r\n".getBytes(StandardCharsets.US_ASCII));
                StringBuilder ehlo = new StringBuilder();
                while ((line = tin.readLine()).startsWith("250-")) {
                    ehlo.append(line).append('\n');
                }
                assertFalse(ehlo.toString().contains("STARTTLS") || line.contains("STARTTLS"), ehlo.toString());
                // Had the plaintext MAIL survived, this would be a nested MAIL (503).
                tout.write("MAIL FROM:<a@b.example>\r\nQUIT\r\n".getBytes(StandardCharsets.US_ASCII));
                assertEquals("250 2.1.0 Ok", tin.readLine());
                assertEquals("221 2.0.0 mail.example.test Bye", tin.readLine());
            }
        }
    }
}
