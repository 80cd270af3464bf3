package org.postroom.pop3;

import jakarta.mail.Folder;
import jakarta.mail.Session;
import jakarta.mail.Store;
import org.junit.jupiter.api.Test;
import org.postroom.testsupport.TestEngine;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** STLS (RFC 2595) on a real connection, with the engine's self-signed certificate. */
class Pop3StlsIntegrationTest {

    private static List<String> capa(BufferedReader in, OutputStream out) throws Exception {
        out.write("CAPA\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        assertTrue(in.readLine().startsWith("+OK"));
        List<String> caps = new ArrayList<>();
        for (String l = in.readLine(); !l.equals("."); l = in.readLine()) {
            caps.add(l);
        }
        return caps;
    }

    @Test
    void stlsShouldSwitchToTlsAndNeverRunPlaintextPipelinedBehindIt() throws Exception {
        try (TestEngine engine = TestEngine.start("")) {
            engine.services().store().deliver("alice@example.test",
                    "Subject: secret\n\nover TLS\n".getBytes(StandardCharsets.UTF_8));
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("server", engine.services().tls().certificate());
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext client = SSLContext.getInstance("TLS");
            client.init(null, tmf.getTrustManagers(), null);

            try (Socket plain = new Socket("127.0.0.1", engine.port("pop3"))) {
                plain.setSoTimeout(10_000);
                BufferedReader in = new BufferedReader(new InputStreamReader(plain.getInputStream(), StandardCharsets.US_ASCII));
                assertTrue(in.readLine().startsWith("+OK"));
                assertTrue(capa(in, plain.getOutputStream()).contains("STLS"));
                // An attacker's USER injected behind STLS must be dropped.
                plain.getOutputStream().write("STLS\r\nUSER alice\r\n".getBytes(StandardCharsets.US_ASCII));
                assertEquals("+OK Begin TLS negotiation", in.readLine());

                try (SSLSocket ssl = (SSLSocket) client.getSocketFactory()
                        .createSocket(plain, "mail.example.test", plain.getPort(), false)) {
                    ssl.startHandshake();
                    BufferedReader tin = new BufferedReader(new InputStreamReader(ssl.getInputStream(), StandardCharsets.UTF_8));
                    OutputStream tout = ssl.getOutputStream();
                    List<String> caps = capa(tin, tout);
                    assertFalse(caps.contains("STLS"), caps.toString());
                    tout.write("PASS alice-pw\r\nSTLS\r\nUSER alice\r\nPASS alice-pw\r\nSTAT\r\nQUIT\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
                    tout.flush();
                    assertEquals("-ERR Send USER first", tin.readLine(), "the plaintext USER never ran");
                    assertEquals("-ERR Command not permitted when TLS active", tin.readLine());
                    assertEquals("+OK Send your password", tin.readLine());
                    assertTrue(tin.readLine().startsWith("+OK Logged in, 1 message"));
                    assertTrue(tin.readLine().startsWith("+OK 1 "));
                    assertTrue(tin.readLine().startsWith("+OK"));
                }
            }
        }
    }

    @Test
    void angusShouldRequireStartTlsAndReadOverIt() throws Exception {
        try (TestEngine engine = TestEngine.start("")) {
            engine.services().store().deliver("bob@example.test",
                    "Subject: via stls\n\nbody\n".getBytes(StandardCharsets.UTF_8));
            Properties p = new Properties();
            p.put("mail.pop3.host", "127.0.0.1");
            p.put("mail.pop3.port", String.valueOf(engine.port("pop3")));
            p.put("mail.pop3.starttls.enable", "true");
            p.put("mail.pop3.starttls.required", "true");
            p.put("mail.pop3.ssl.trust", "*");
            p.put("mail.pop3.ssl.checkserveridentity", "false");
            p.put("mail.pop3.connectiontimeout", "10000");
            p.put("mail.pop3.timeout", "10000");
            Store store = Session.getInstance(p).getStore("pop3");
            store.connect("bob@example.test", "bob-pw");
            try {
                Folder inbox = store.getFolder("INBOX");
                inbox.open(Folder.READ_ONLY);
                assertEquals("via stls", inbox.getMessage(1).getSubject());
                inbox.close(false);
            } finally {
                store.close();
            }
        }
    }
}
