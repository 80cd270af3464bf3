package org.postroom.pop3;

import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.Flags;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Store;
import org.eclipse.angus.mail.pop3.POP3Folder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.postroom.testsupport.TestEngine;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The POP3 listener of a whole engine over real sockets, read with Angus Mail's POP3 provider (the
 * client Jakarta Mail programs use) and a raw socket where the exact wire matters.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class Pop3IntegrationTest {
    private TestEngine engine;

    @BeforeAll
    void startEngine() {
        engine = TestEngine.start("");
    }

    @AfterAll
    void stopEngine() {
        engine.close();
    }

    @BeforeEach
    void emptyMailboxes() {
        TestEngine.deleteRecursively(engine.dataDir().resolve("mail"));
    }

    private void deliver(String to, String subject, String body) throws IOException {
        String text = "From: carol@example.test\nTo: " + to + "\nSubject: " + subject
                + "\nMessage-ID: <" + subject.replace(' ', '-') + "@example.test>\n\n" + body;
        engine.services().store().deliver(to, text.getBytes(StandardCharsets.UTF_8));
    }

    private Store connect(String user, String password) throws MessagingException {
        Properties p = new Properties();
        p.put("mail.pop3.host", "127.0.0.1");
        p.put("mail.pop3.port", String.valueOf(engine.port("pop3")));
        p.put("mail.pop3.connectiontimeout", "10000");
        p.put("mail.pop3.timeout", "10000");
        Store store = Session.getInstance(p).getStore("pop3");
        store.connect(user, password);
        return store;
    }

    private List<Path> inboxFiles(String address) throws IOException {
        Path inbox = engine.services().store().inbox(address);
        List<Path> files = new ArrayList<>();
        for (String sub : new String[] {"cur", "new"}) {
            if (Files.isDirectory(inbox.resolve(sub))) {
                try (Stream<Path> s = Files.list(inbox.resolve(sub))) {
                    s.forEach(files::add);
                }
            }
        }
        return files;
    }

    private static String body(Message m) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        m.getDataHandler().writeTo(out);
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void angusShouldReadMessagesTheirHeadersAndStableUidls() throws Exception {
        deliver("alice@example.test", "first", "Hello Alice.\n.a line with a leading dot\n");
        deliver("alice@example.test", "second", "Second body.\n");

        List<String> firstUids = new ArrayList<>();
        Store store = connect("alice@example.test", "alice-pw");
        try {
            POP3Folder inbox = (POP3Folder) store.getFolder("INBOX");
            inbox.open(Folder.READ_ONLY);
            assertEquals(2, inbox.getMessageCount());
            Message[] messages = inbox.getMessages();
            assertEquals("first", messages[0].getSubject());
            assertEquals("second", messages[1].getSubject());
            assertEquals("Hello Alice.\r\n.a line with a leading dot\r\n", body(messages[0]));
            for (Message m : messages) {
                firstUids.add(inbox.getUID(m));
            }
            inbox.close(false);
        } finally {
            store.close();
        }

        Store again = connect("alice@example.test", "alice-pw");
        try {
            POP3Folder inbox = (POP3Folder) again.getFolder("INBOX");
            inbox.open(Folder.READ_ONLY);
            List<String> uids = new ArrayList<>();
            for (Message m : inbox.getMessages()) {
                uids.add(inbox.getUID(m));
            }
            assertEquals(firstUids, uids);
            assertEquals(2, firstUids.stream().distinct().count());
            inbox.close(false);
        } finally {
            again.close();
        }
    }

    @Test
    void uidlsShouldSurviveAnEngineRestart(@org.junit.jupiter.api.io.TempDir Path dataDir) throws Exception {
        List<String> before;
        try (TestEngine first = TestEngine.startOn(dataDir, "")) {
            for (int i = 0; i < 3; i++) {
                first.services().store().deliver("demo@example.test",
                        ("Subject: restart " + i + "\n\nx\n").getBytes(StandardCharsets.UTF_8));
            }
            before = uidls(first.port("pop3"));
        }
        try (TestEngine second = TestEngine.startOn(dataDir, "")) {
            second.services().store().deliver("demo@example.test", "Subject: after\n\ny\n".getBytes(StandardCharsets.UTF_8));
            List<String> after = uidls(second.port("pop3"));
            assertEquals(before, after.subList(0, 3));
            assertEquals(4, after.stream().distinct().count());
        }
    }

    private static List<String> uidls(int port) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            Wire w = new Wire(s);
            assertTrue(w.line().startsWith("+OK"));
            w.send("USER demo\r\nPASS demo\r\nUIDL\r\n");
            assertEquals("+OK Send your password", w.line());
            assertTrue(w.line().startsWith("+OK Logged in"));
            assertEquals("+OK Unique-id listing follows", w.line());
            List<String> uids = new ArrayList<>();
            for (String l = w.line(); !l.equals("."); l = w.line()) {
                uids.add(l);
            }
            w.send("QUIT\r\n");
            assertTrue(w.line().startsWith("+OK"));
            return uids;
        }
    }

    @Test
    void angusHeadersOnlyShouldUseTopAndMatchTheFullMessage() throws Exception {
        deliver("alice@example.test", "headers", "line 1\nline 2\n");
        Store store = connect("alice", "alice-pw");
        try {
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_ONLY);
            Message m = inbox.getMessage(1);
            Enumeration<jakarta.mail.Header> headers = m.getAllHeaders();
            List<String> names = new ArrayList<>();
            while (headers.hasMoreElements()) {
                names.add(headers.nextElement().getName());
            }
            assertEquals(List.of("From", "To", "Subject", "Message-ID"), names);
            assertEquals(m.getSize(), "line 1\r\nline 2\r\n".length(), "size of the body in CRLF octets");
            inbox.close(false);
        } finally {
            store.close();
        }
    }

    @Test
    void deletedMessagesShouldLeaveTheMaildirOnlyAtQuit() throws Exception {
        deliver("bob@example.test", "keep", "k\n");
        deliver("bob@example.test", "drop", "d\n");
        Store store = connect("bob@example.test", "bob-pw");
        try {
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_WRITE);
            Message drop = inbox.getMessage(2);
            assertEquals("drop", drop.getSubject());
            drop.setFlag(Flags.Flag.DELETED, true);
            assertEquals(2, inboxFiles("bob@example.test").size(), "still there before QUIT");
            inbox.close(true);
        } finally {
            store.close();
        }
        List<Path> left = inboxFiles("bob@example.test");
        assertEquals(1, left.size());
        assertTrue(Files.readString(left.get(0)).contains("Subject: keep"));
    }

    @Test
    void aSecondLoginToALockedMailboxShouldGetInUse() throws Exception {
        deliver("alice@example.test", "locked", "x\n");
        Store first = connect("alice@example.test", "alice-pw");
        Folder inbox = first.getFolder("INBOX");
        inbox.open(Folder.READ_ONLY);
        try (Socket s = new Socket("127.0.0.1", engine.port("pop3"))) {
            Wire w = new Wire(s);
            assertTrue(w.line().startsWith("+OK"));
            w.send("USER alice@example.test\r\nPASS alice-pw\r\n");
            assertEquals("+OK Send your password", w.line());
            assertEquals("-ERR [IN-USE] mailbox locked", w.line());
            assertEquals(java.util.Map.of("lockedMailboxes", 1), engine.metrics().status().get("pop3"));
            w.send("QUIT\r\n");
            assertTrue(w.line().startsWith("+OK"));
        } finally {
            inbox.close(false);
            first.close();
        }
        // Released at the first session's QUIT: logging in again works at once.
        Store again = connect("alice@example.test", "alice-pw");
        again.close();
    }

    @Test
    void aWrongPasswordShouldFailWithAuth() throws Exception {
        MessagingException e = assertThrows(AuthenticationFailedException.class,
                () -> connect("alice@example.test", "wrong"));
        assertTrue(String.valueOf(e.getMessage()).contains("[AUTH]"), e.getMessage());
    }

    @Test
    void theWireShouldCarryTheRfcRepliesAndDotStuffing() throws Exception {
        deliver("demo@example.test", "wire", "..\n.\nend\n");
        try (Socket s = new Socket("127.0.0.1", engine.port("pop3"))) {
            Wire w = new Wire(s);
            assertTrue(w.line().startsWith("+OK Postroom POP3 server ready on mail.example.test <"));
            // Pipelined, as RFC 2449 PIPELINING allows.
            w.send("USER demo\r\nPASS demo\r\nSTAT\r\nRETR 1\r\nQUIT\r\n");
            assertEquals("+OK Send your password", w.line());
            assertTrue(w.line().startsWith("+OK Logged in, 1 message"));
            String stat = w.line();
            assertTrue(stat.startsWith("+OK 1 "), stat);
            long size = Long.parseLong(stat.substring("+OK 1 ".length()));
            assertEquals("+OK " + size + " octets", w.line());
            List<String> lines = new ArrayList<>();
            for (String l = w.line(); !l.equals("."); l = w.line()) {
                lines.add(l);
            }
            assertEquals(List.of("...", "..", "end"), lines.subList(lines.size() - 3, lines.size()));
            assertTrue(w.line().startsWith("+OK"));
            assertEquals(null, w.line(), "closed after QUIT");
        }
        assertFalse(inboxFiles("demo@example.test").isEmpty());
    }

    /** A line-oriented view of a raw socket. */
    static final class Wire {
        private final BufferedReader in;
        private final OutputStream out;

        Wire(Socket s) throws IOException {
            s.setSoTimeout(10_000);
            in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            out = s.getOutputStream();
        }

        String line() throws IOException {
            return in.readLine();
        }

        void send(String text) throws IOException {
            out.write(text.getBytes(StandardCharsets.UTF_8));
            out.flush();
        }
    }
}
