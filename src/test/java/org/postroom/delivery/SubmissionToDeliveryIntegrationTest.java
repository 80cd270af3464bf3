package org.postroom.delivery;

import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postroom.testsupport.DnsTestServer;
import org.postroom.testsupport.RecordingSmtpPeer;
import org.postroom.testsupport.TestEngine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole path with a real client: Angus Mail submits over the MSA (AUTH PLAIN), the engine
 * spools, resolves the remote domain with the test DNS server and delivers to a recording peer; a
 * recipient the peer refuses with 550 comes back to the sender's Maildir as a DSN.
 */
class SubmissionToDeliveryIntegrationTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    private DnsTestServer dns;
    private RecordingSmtpPeer mx;

    @BeforeEach
    void start() throws Exception {
        dns = DnsTestServer.start();
        dns.mx("remote.test", 10, "mx.remote.test").a("mx.remote.test", "127.0.0.2");
        mx = RecordingSmtpPeer.start("127.0.0.2", 0);
    }

    @AfterEach
    void stop() throws Exception {
        dns.close();
        mx.close();
    }

    @Test
    void mailSubmittedByARealClientShouldReachTheRemoteMxAndA550ShouldBounceToTheSender() throws Exception {
        mx.rejectRecipient("nobody@remote.test");
        try (TestEngine engine = TestEngine.start("outbound { dns.servers = [\"" + dns.address() + "\"], remote-port = "
                + mx.port() + " }")) {
            Properties p = new Properties();
            p.put("mail.smtp.host", "127.0.0.1");
            p.put("mail.smtp.port", String.valueOf(engine.port("msa")));
            p.put("mail.smtp.auth", "true");
            p.put("mail.smtp.auth.mechanisms", "PLAIN");
            Session session = Session.getInstance(p);
            MimeMessage m = new MimeMessage(session);
            m.setFrom(new InternetAddress("alice@example.test"));
            m.setRecipients(Message.RecipientType.TO, "someone@remote.test, nobody@remote.test");
            m.setSubject("lunch on friday");
            m.setText("Shall we?\n.\nA line with only a dot above.\n");
            try (Transport t = session.getTransport("smtp")) {
                t.connect("127.0.0.1", engine.port("msa"), "alice@example.test", "alice-pw");
                t.sendMessage(m, m.getAllRecipients());
            }

            await().atMost(WAIT).until(() -> mx.received().size() == 1);
            RecordingSmtpPeer.Received r = mx.received().get(0);
            assertEquals("alice@example.test", r.sender());
            assertEquals(List.of("someone@remote.test"), r.recipients());
            assertTrue(r.text().contains("Subject: lunch on friday"), r.text());
            assertTrue(r.text().contains("\r\n.\r\n"), "the lone dot line survives stuffing both ways");

            Path inbox = engine.dataDir().resolve("mail/example.test/alice/new");
            await().atMost(WAIT).until(() -> Files.isDirectory(inbox) && count(inbox) == 1);
            String dsn;
            try (Stream<Path> s = Files.list(inbox)) {
                dsn = Files.readString(s.findFirst().orElseThrow());
            }
            assertTrue(dsn.contains("Final-Recipient: rfc822; nobody@remote.test"), dsn);
            assertTrue(dsn.contains("Subject: lunch on friday"), "the DSN carries the original headers");
            await().atMost(WAIT).until(() -> engine.metrics().queueMessages().get() == 0);
            assertEquals(1.0, engine.metrics().deliveries("delivered"));
            assertEquals(1.0, engine.metrics().deliveries("bounced"));
        }
    }

    private static long count(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.count();
        }
    }
}
