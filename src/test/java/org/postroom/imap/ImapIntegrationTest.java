package org.postroom.imap;

import jakarta.mail.BodyPart;
import jakarta.mail.Flags;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Multipart;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.UIDFolder;
import jakarta.mail.event.MessageCountAdapter;
import jakarta.mail.event.MessageCountEvent;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.search.AndTerm;
import jakarta.mail.search.BodyTerm;
import jakarta.mail.search.FlagTerm;
import jakarta.mail.search.FromStringTerm;
import jakarta.mail.search.OrTerm;
import jakarta.mail.search.SubjectTerm;
import org.eclipse.angus.mail.imap.AppendUID;
import org.eclipse.angus.mail.imap.IMAPFolder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.postroom.testsupport.TestEngine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Angus Mail's IMAP provider against a whole engine over loopback: reading, flags, folders,
 * copy/move, expunge, search, append, a multipart message's structure and parts, IDLE, and two
 * sessions on one mailbox. Each test uses its own account so they do not disturb each other.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ImapIntegrationTest {
    private final TestEngine engine = TestEngine.start("""
            local-domains = ["example.test"]
            accounts = [
              { address = "u1@example.test", password = "pw" }
              { address = "u2@example.test", password = "pw" }
              { address = "u3@example.test", password = "pw" }
              { address = "u4@example.test", password = "pw" }
              { address = "u5@example.test", password = "pw" }
              { address = "u6@example.test", password = "pw" }
              { address = "u7@example.test", password = "pw" }
              { address = "u8@example.test", password = "pw" }
              { address = "u9@example.test", password = "pw" }
              { address = "u10@example.test", password = "pw" }
              { address = "u11@example.test", password = "pw" }
              { address = "u12@example.test", password = "pw" }
              { address = "u13@example.test", password = "pw" }
            ]
            """);

    @AfterAll
    void stop() {
        engine.close();
    }

    private Store connect(String user) throws MessagingException {
        Properties p = new Properties();
        p.put("mail.imap.connectiontimeout", "10000");
        p.put("mail.imap.timeout", "10000");
        p.put("mail.debug", System.getProperty("imap.debug", "false"));
        Store store = Session.getInstance(p).getStore("imap");
        store.connect("127.0.0.1", engine.port("imap"), user, "pw");
        return store;
    }

    private void deliver(String account, String message) throws IOException {
        engine.services().store().deliver(account, message.getBytes(StandardCharsets.UTF_8));
    }

    private static String msg(String subject, String body) {
        return "From: Bob <bob@example.test>\nTo: someone@example.test\nSubject: " + subject
                + "\nDate: Mon, 2 Mar 2026 10:00:00 +0000\n\n" + body + "\n";
    }

    @Test
    void clientShouldReadMessagesSetFlagsAndExpunge() throws Exception {
        deliver("u1@example.test", msg("first", "Hello one"));
        deliver("u1@example.test", msg("second", "Hello two"));
        deliver("u1@example.test", msg("third", "Hello three"));
        Store store = connect("u1@example.test");
        try {
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_WRITE);
            assertEquals(3, inbox.getMessageCount());
            Message m1 = inbox.getMessage(1);
            assertEquals("first", m1.getSubject());
            assertEquals("Hello one\r\n", m1.getContent());
            assertEquals(new InternetAddress("bob@example.test", "Bob"), m1.getFrom()[0]);
            assertTrue(m1.isSet(Flags.Flag.SEEN));
            inbox.getMessage(2).setFlag(Flags.Flag.FLAGGED, true);
            inbox.getMessage(3).setFlag(Flags.Flag.DELETED, true);
            inbox.expunge();
            assertEquals(2, inbox.getMessageCount());
            long uid2 = ((UIDFolder) inbox).getUID(inbox.getMessage(2));
            inbox.close(false);

            Store again = connect("u1@example.test");
            Folder f = again.getFolder("INBOX");
            f.open(Folder.READ_ONLY);
            assertEquals(2, f.getMessageCount());
            assertTrue(f.getMessage(1).isSet(Flags.Flag.SEEN));
            assertTrue(f.getMessage(2).isSet(Flags.Flag.FLAGGED));
            assertEquals(uid2, ((UIDFolder) f).getUID(f.getMessage(2)));
            assertEquals("second", ((UIDFolder) f).getMessageByUID(uid2).getSubject());
            again.close();
        } finally {
            store.close();
        }
    }

    @Test
    void clientShouldManageFoldersAndCopyAndMoveMessages() throws Exception {
        deliver("u2@example.test", msg("keep", "k"));
        deliver("u2@example.test", msg("move me", "m"));
        Store store = connect("u2@example.test");
        try {
            Folder projects = store.getFolder("Projects");
            assertFalse(projects.exists());
            assertTrue(projects.create(Folder.HOLDS_MESSAGES));
            assertTrue(projects.exists());
            Folder sub = store.getFolder("Projects/2026");
            assertTrue(sub.create(Folder.HOLDS_MESSAGES));
            assertEquals('/', projects.getSeparator());
            assertEquals(1, projects.list().length);

            IMAPFolder inbox = (IMAPFolder) store.getFolder("INBOX");
            inbox.open(Folder.READ_WRITE);
            inbox.copyMessages(new Message[] {inbox.getMessage(1)}, projects);
            Message moved = inbox.getMessage(2);
            inbox.moveMessages(new Message[] {moved}, sub);
            assertTrue(moved.isExpunged());
            inbox.close(false);
            inbox.open(Folder.READ_ONLY);
            assertEquals(1, inbox.getMessageCount());
            inbox.close(false);

            projects.open(Folder.READ_ONLY);
            assertEquals("keep", projects.getMessage(1).getSubject());
            projects.close(false);
            sub.open(Folder.READ_ONLY);
            assertEquals("move me", sub.getMessage(1).getSubject());
            sub.close(false);

            Folder renamed = store.getFolder("Done");
            assertTrue(projects.renameTo(renamed));
            assertTrue(store.getFolder("Done").exists());
            assertTrue(store.getFolder("Done/2026").exists());
            assertFalse(store.getFolder("Projects").exists());
            assertTrue(store.getFolder("Done/2026").delete(false));
            assertFalse(store.getFolder("Done/2026").exists());
            String names = Arrays.toString(Arrays.stream(store.getDefaultFolder().list("*"))
                    .map(Folder::getFullName).toArray());
            assertEquals("[INBOX, Done]", names);
        } finally {
            store.close();
        }
    }

    @Test
    void clientShouldSearchByHeadersBodyAndFlags() throws Exception {
        deliver("u3@example.test", msg("apples", "red fruit"));
        deliver("u3@example.test", msg("pears", "green fruit"));
        deliver("u3@example.test", "From: carol@example.test\nSubject: bread\n\nbaked\n");
        Store store = connect("u3@example.test");
        try {
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_WRITE);
            inbox.getMessage(2).setFlag(Flags.Flag.SEEN, true);
            assertEquals(1, inbox.search(new SubjectTerm("apples")).length);
            assertEquals(2, inbox.search(new BodyTerm("fruit")).length);
            assertEquals(2, inbox.search(new OrTerm(new SubjectTerm("apples"), new SubjectTerm("bread"))).length);
            Message[] unseen = inbox.search(new FlagTerm(new Flags(Flags.Flag.SEEN), false));
            assertEquals(2, unseen.length);
            Message[] fromBob = inbox.search(new AndTerm(new FromStringTerm("bob"), new BodyTerm("green")));
            assertEquals(1, fromBob.length);
            assertEquals("pears", fromBob[0].getSubject());
        } finally {
            store.close();
        }
    }

    @Test
    void clientShouldAppendMessagesAndGetTheirUids() throws Exception {
        Store store = connect("u4@example.test");
        try {
            Session session = Session.getInstance(new Properties());
            MimeMessage m = new MimeMessage(session);
            m.setFrom(new InternetAddress("u4@example.test"));
            m.setSubject("draft note");
            m.setText("appended body\nsecond line");
            m.setFlag(Flags.Flag.DRAFT, true);
            m.saveChanges();
            IMAPFolder drafts = (IMAPFolder) store.getFolder("Drafts");
            drafts.create(Folder.HOLDS_MESSAGES);
            AppendUID[] uids = drafts.appendUIDMessages(new Message[] {m});
            assertNotNull(uids[0]);
            assertEquals(1, uids[0].uid);
            drafts.open(Folder.READ_ONLY);
            assertEquals(uids[0].uidvalidity, drafts.getUIDValidity());
            Message got = drafts.getMessageByUID(uids[0].uid);
            assertEquals("draft note", got.getSubject());
            assertTrue(got.isSet(Flags.Flag.DRAFT));
            assertEquals("appended body\r\nsecond line", ((String) got.getContent()).strip());
        } finally {
            store.close();
        }
    }

    @Test
    void clientShouldReadMultipartStructureAndFetchParts() throws Exception {
        byte[] sample;
        try (InputStream in = getClass().getResourceAsStream("/transcripts/imap/messages/multipart-mixed.eml")) {
            sample = in.readAllBytes();
        }
        engine.services().store().deliver("u5@example.test", sample);
        Store store = connect("u5@example.test");
        try {
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_ONLY);
            Message m = inbox.getMessage(1);
            assertTrue(m.isMimeType("multipart/mixed"));
            Multipart mixed = (Multipart) m.getContent();
            assertEquals(3, mixed.getCount());
            BodyPart alternative = mixed.getBodyPart(0);
            assertTrue(alternative.isMimeType("multipart/alternative"));
            Multipart alt = (Multipart) alternative.getContent();
            assertEquals(2, alt.getCount());
            assertEquals("Hello Alice,\r\nthe report is attached.\r\n", alt.getBodyPart(0).getContent());
            assertTrue(alt.getBodyPart(1).isMimeType("text/html"));
            BodyPart pdf = mixed.getBodyPart(1);
            assertEquals("report.pdf", pdf.getFileName());
            assertEquals(BodyPart.ATTACHMENT, pdf.getDisposition());
            byte[] expected = java.util.Base64.getDecoder().decode(
                    "JVBERi0xLjQKJcfsj6IKMSAwIG9iago8PC9UeXBlL0NhdGFsb2c+PgplbmRvYmoKJSVFT0YK");
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            try (InputStream in = pdf.getInputStream()) {
                in.transferTo(got);
            }
            assertArrayEquals(expected, got.toByteArray());
            BodyPart forwarded = mixed.getBodyPart(2);
            assertTrue(forwarded.isMimeType("message/rfc822"));
            assertEquals("Forwarded note", ((Message) forwarded.getContent()).getSubject());
            assertEquals("Carol", ((InternetAddress) m.getFrom()[0]).getPersonal() == null ? null
                    : ((InternetAddress) ((Message) forwarded.getContent()).getFrom()[0]).getPersonal());
        } finally {
            store.close();
        }
    }

    @Test
    void idleShouldAnnounceADeliveredMessage() throws Exception {
        Store store = connect("u6@example.test");
        IMAPFolder inbox = (IMAPFolder) store.getFolder("INBOX");
        inbox.open(Folder.READ_WRITE);
        AtomicInteger added = new AtomicInteger();
        inbox.addMessageCountListener(new MessageCountAdapter() {
            @Override
            public void messagesAdded(MessageCountEvent e) {
                added.addAndGet(e.getMessages().length);
            }
        });
        Thread idler = new Thread(() -> {
            try {
                while (!Thread.currentThread().isInterrupted() && inbox.isOpen()) {
                    inbox.idle(true);
                }
            } catch (Exception e) {
                // the folder closed under us at the end of the test
            }
        }, "imap-idle");
        idler.setDaemon(true);
        idler.start();
        try {
            await().atMost(Duration.ofSeconds(5)).until(() -> inbox.isOpen() && idler.isAlive());
            // give the client a moment to be in IDLE: wait until the server counts it as idling is not
            // observable, so deliver repeatedly until the announcement arrives
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(500)).until(() -> {
                if (added.get() == 0) {
                    deliver("u6@example.test", msg("ping", "new mail"));
                }
                return added.get() > 0;
            });
            assertTrue(added.get() >= 1);
        } finally {
            idler.interrupt();
            store.close();
        }
    }

    @Test
    void twoSessionsShouldSeeEachOthersExpungeAndFlags() throws Exception {
        deliver("u7@example.test", msg("a", "1"));
        deliver("u7@example.test", msg("b", "2"));
        Store one = connect("u7@example.test");
        Store two = connect("u7@example.test");
        try {
            Folder f1 = one.getFolder("INBOX");
            Folder f2 = two.getFolder("INBOX");
            f1.open(Folder.READ_WRITE);
            f2.open(Folder.READ_WRITE);
            assertEquals(2, f2.getMessageCount());
            Message a2 = f2.getMessage(1);
            Message b2 = f2.getMessage(2);
            f1.getMessage(2).setFlag(Flags.Flag.FLAGGED, true);
            f1.getMessage(1).setFlag(Flags.Flag.DELETED, true);
            f1.expunge();
            assertEquals(1, f1.getMessageCount());
            // JavaMail keeps expunged messages in its count until the application expunges; it marks them
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(300))
                    .until(() -> f2.getMessageCount() >= 0 && a2.isExpunged());
            assertTrue(b2.isSet(Flags.Flag.FLAGGED));
            assertEquals("b", b2.getSubject());
            f2.close(false);
            f2.open(Folder.READ_ONLY);
            assertEquals(1, f2.getMessageCount());
        } finally {
            one.close();
            two.close();
        }
    }

    @Test
    void idleShouldAnnounceDeliveryWithinASecond() throws Exception {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", engine.port("imap"))) {
            socket.setSoTimeout(10_000);
            java.io.BufferedReader in = new java.io.BufferedReader(
                    new java.io.InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            java.io.OutputStream out = socket.getOutputStream();
            assertTrue(in.readLine().startsWith("* OK"));
            out.write("a LOGIN u8@example.test pw\r\nb SELECT INBOX\r\nc IDLE\r\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            String line;
            while (!(line = in.readLine()).startsWith("+ ")) {
                assertFalse(line.startsWith("a NO") || line.contains(" BAD "), line);
            }
            // the first announcement warms the path up (class loading, JIT on a busy machine) ...
            deliver("u8@example.test", msg("while idle", "x"));
            assertEquals("* 1 EXISTS", in.readLine());
            assertEquals("* 1 RECENT", in.readLine());
            // ... the second is timed
            long start = System.nanoTime();
            deliver("u8@example.test", msg("while idle", "y"));
            socket.setSoTimeout(1000);
            assertEquals("* 2 EXISTS", in.readLine());
            assertTrue(System.nanoTime() - start < 1_000_000_000L);
            assertEquals("* 2 RECENT", in.readLine());
            socket.setSoTimeout(10_000);
            out.write("DONE\r\nd LOGOUT\r\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            assertEquals("c OK IDLE terminated", in.readLine());
        }
    }

    @Test
    void pythonImaplibShouldWorkEndToEnd() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(new java.io.File("/usr/bin/python3").canExecute(),
                "python3 is not installed");
        java.nio.file.Path script = java.nio.file.Files.createTempFile("imaplib_check", ".py");
        try (InputStream in = getClass().getResourceAsStream("/transcripts/imap/imaplib_check.py")) {
            java.nio.file.Files.write(script, in.readAllBytes());
        }
        Process p = new ProcessBuilder("/usr/bin/python3", script.toString(), String.valueOf(engine.port("imap")),
                "u9@example.test", "pw").redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), output);
        assertTrue(output.contains("imaplib OK"), output);
        java.nio.file.Files.deleteIfExists(script);
    }

    @Test
    void aMessageSentOverSmtpShouldBeReadOverImap() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(org.postroom.inbound.InboundProtocols.all().stream()
                .anyMatch(p -> p.kind().equals("smtp")), "the SMTP listener is not part of this build");
        Properties smtp = new Properties();
        smtp.put("mail.smtp.host", "127.0.0.1");
        smtp.put("mail.smtp.port", String.valueOf(engine.port("smtp")));
        smtp.put("mail.smtp.connectiontimeout", "10000");
        smtp.put("mail.smtp.timeout", "10000");
        MimeMessage out = new MimeMessage(Session.getInstance(smtp));
        out.setFrom(new InternetAddress("bob@example.test"));
        out.setRecipient(Message.RecipientType.TO, new InternetAddress("u10@example.test"));
        out.setSubject("Over SMTP \u00e9t\u00e9", "UTF-8");
        out.setText("Caf\u00e9 cr\u00e8me\r\n.dotted\r\n", "UTF-8");
        jakarta.mail.Transport.send(out);

        Store store = connect("u10@example.test");
        try {
            Folder inbox = store.getFolder("INBOX");
            await().atMost(Duration.ofSeconds(10)).until(() -> inbox.getMessageCount() == 1);
            inbox.open(Folder.READ_ONLY);
            Message in = inbox.getMessage(1);
            assertEquals("Over SMTP \u00e9t\u00e9", in.getSubject());
            assertEquals("Caf\u00e9 cr\u00e8me\r\n.dotted\r\n", in.getContent());
            assertEquals(1, inbox.search(new BodyTerm("cr\u00e8me")).length);
        } finally {
            store.close();
        }
    }

    @Test
    void imapAndPop3ShouldShareTheMaildir() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(org.postroom.inbound.InboundProtocols.all().stream()
                .anyMatch(p -> p.kind().equals("pop3")), "the POP3 listener is not part of this build");
        deliver("u11@example.test", msg("shared", "read me twice"));
        Store imap = connect("u11@example.test");
        try {
            Folder inbox = imap.getFolder("INBOX");
            inbox.open(Folder.READ_WRITE);
            Message m = inbox.getMessage(1);
            assertEquals("shared", m.getSubject()); // IMAP moved it to cur/ and set \Seen on the way

            Properties pop = new Properties();
            pop.put("mail.pop3.connectiontimeout", "10000");
            pop.put("mail.pop3.timeout", "10000");
            Store pop3 = Session.getInstance(pop).getStore("pop3");
            pop3.connect("127.0.0.1", engine.port("pop3"), "u11@example.test", "pw");
            try {
                Folder popInbox = pop3.getFolder("INBOX");
                popInbox.open(Folder.READ_WRITE);
                assertEquals(1, popInbox.getMessageCount());
                Message p = popInbox.getMessage(1);
                assertEquals("read me twice\r\n", p.getContent());
                p.setFlag(Flags.Flag.DELETED, true);
                popInbox.close(true);
            } finally {
                pop3.close();
            }
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(300))
                    .until(() -> inbox.getMessageCount() >= 0 && m.isExpunged());
        } finally {
            imap.close();
        }
    }

    @Test
    void aLargeMessageShouldArriveWholeThroughPartialFetches() throws Exception {
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < 5000; i++) {
            body.append("line ").append(i).append(" of a long message, padded to be a bit longer\n");
        }
        deliver("u12@example.test", msg("big", body.toString()));
        Store store = connect("u12@example.test");
        try {
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_ONLY);
            Message m = inbox.getMessage(1);
            String expected = body.toString().replace("\n", "\r\n") + "\r\n";
            assertEquals(expected, m.getContent());
            ByteArrayOutputStream whole = new ByteArrayOutputStream();
            m.writeTo(whole);
            assertTrue(whole.toString(StandardCharsets.UTF_8).endsWith(expected));
            assertEquals(whole.size(), m.getSize()); // RFC822.SIZE counts CRLF, as sent
        } finally {
            store.close();
        }
    }

    @Test
    void clientShouldUpgradeToTlsWithStartTls() throws Exception {
        deliver("u13@example.test", msg("secret", "over TLS"));
        Properties p = new Properties();
        p.put("mail.imap.starttls.enable", "true");
        p.put("mail.imap.starttls.required", "true");
        p.put("mail.imap.ssl.trust", "*");
        p.put("mail.imap.ssl.checkserveridentity", "false");
        p.put("mail.imap.connectiontimeout", "10000");
        p.put("mail.imap.timeout", "10000");
        Store store = Session.getInstance(p).getStore("imap");
        store.connect("127.0.0.1", engine.port("imap"), "u13@example.test", "pw");
        try {
            assertFalse(((org.eclipse.angus.mail.imap.IMAPStore) store).hasCapability("STARTTLS"));
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_ONLY);
            assertEquals("over TLS\r\n", inbox.getMessage(1).getContent());
        } finally {
            store.close();
        }
    }
}
