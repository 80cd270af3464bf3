package org.postroom.pop3;

import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import org.eclipse.angus.mail.pop3.POP3Folder;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.postroom.inbound.InboundProtocols;
import org.postroom.testsupport.TestEngine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The whole path a user sees: a message sent over SMTP with Angus Mail is read back over POP3 with
 * Angus Mail, subject and body intact (dot-stuffed lines and UTF-8 included), then deleted.
 * Skipped on a build without the SMTP listener.
 */
class Pop3SmtpRoundTripIntegrationTest {

    @Test
    void aMessageSentOverSmtpShouldBeReadIntactOverPop3() throws Exception {
        Assumptions.assumeTrue(InboundProtocols.all().stream().anyMatch(p -> p.kind().equals("smtp")),
                "the SMTP listener is not part of this build");
        try (TestEngine engine = TestEngine.start("")) {
            Properties smtp = new Properties();
            smtp.put("mail.smtp.host", "127.0.0.1");
            smtp.put("mail.smtp.port", String.valueOf(engine.port("smtp")));
            smtp.put("mail.smtp.connectiontimeout", "10000");
            smtp.put("mail.smtp.timeout", "10000");
            MimeMessage out = new MimeMessage(Session.getInstance(smtp));
            out.setFrom(new InternetAddress("bob@example.test"));
            out.setRecipient(Message.RecipientType.TO, new InternetAddress("alice@example.test"));
            out.setSubject("Round trip \u00e9t\u00e9", "UTF-8");
            String body = "First line\r\n.starts with a dot\r\n.\r\nCaf\u00e9 cr\u00e8me\r\n";
            out.setText(body, "UTF-8");
            Transport.send(out);

            Path inbox = engine.services().store().inbox("alice@example.test");
            await().atMost(Duration.ofSeconds(10)).until(() -> count(inbox) == 1);

            Properties pop = new Properties();
            pop.put("mail.pop3.host", "127.0.0.1");
            pop.put("mail.pop3.port", String.valueOf(engine.port("pop3")));
            pop.put("mail.pop3.connectiontimeout", "10000");
            pop.put("mail.pop3.timeout", "10000");
            Store store = Session.getInstance(pop).getStore("pop3");
            store.connect("alice@example.test", "alice-pw");
            try {
                POP3Folder folder = (POP3Folder) store.getFolder("INBOX");
                folder.open(Folder.READ_WRITE);
                assertEquals(1, folder.getMessageCount());
                Message in = folder.getMessage(1);
                assertEquals("Round trip \u00e9t\u00e9", in.getSubject());
                assertEquals(body, in.getContent());
                in.setFlag(jakarta.mail.Flags.Flag.DELETED, true);
                folder.close(true);
            } finally {
                store.close();
            }
            assertEquals(0, count(inbox));
        }
    }

    private static long count(Path inbox) throws java.io.IOException {
        long n = 0;
        for (String sub : new String[] {"new", "cur"}) {
            if (Files.isDirectory(inbox.resolve(sub))) {
                try (Stream<Path> s = Files.list(inbox.resolve(sub))) {
                    n += s.count();
                }
            }
        }
        return n;
    }
}
