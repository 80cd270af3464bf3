package org.postroom.imap.session;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postroom.imap.ImapFixture;
import org.postroom.net.FakeSessionContext;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImapHandlerTest {
    @TempDir
    Path dir;
    ImapFixture fx;

    @BeforeEach
    void setUp() {
        fx = new ImapFixture(dir);
    }

    private static void assertContains(String out, String expected) {
        assertTrue(out.contains(expected), () -> "expected <" + expected + "> in:\n" + out);
    }

    @Test
    void greetingShouldAdvertiseCapabilitiesAndHostname() {
        FakeSessionContext s = fx.session();
        String greeting = s.start();
        assertTrue(greeting.startsWith("* OK [CAPABILITY IMAP4rev1 "), greeting);
        assertContains(greeting, "IDLE");
        assertContains(greeting, "mail.example.test IMAP4rev1 ready\r\n");
        assertEquals(Duration.ofMinutes(5), s.idleTimeout());
    }

    @Test
    void loginShouldSucceedWithRightPasswordAndSwitchToAutologout() {
        FakeSessionContext s = fx.session();
        s.start();
        assertContains(s.feed("a1 LOGIN alice@example.test wrong\r\n"), "a1 NO [AUTHENTICATIONFAILED]");
        assertContains(s.feed("a2 LOGIN \"alice@example.test\" {8}\r\n"), "+ Ready for literal");
        assertContains(s.feed("alice-pw\r\n"), "a2 OK");
        assertEquals(Duration.ofMinutes(30), s.idleTimeout());
        assertContains(s.feed("a3 LOGIN alice@example.test alice-pw\r\n"), "a3 BAD");
    }

    @Test
    void failedLoginsShouldBeAnsweredAfterAGrowingDelay() {
        FakeSessionContext s = fx.session();
        s.start();
        long t0 = System.nanoTime();
        assertContains(s.feed("a1 LOGIN alice@example.test nope\r\n"), "a1 NO [AUTHENTICATIONFAILED]");
        long first = System.nanoTime() - t0;
        t0 = System.nanoTime();
        assertContains(s.feed("a2 LOGIN nobody@example.test nope\r\n"), "a2 NO [AUTHENTICATIONFAILED]");
        long second = System.nanoTime() - t0;
        assertTrue(first >= 190_000_000L, "first delay " + first);
        assertTrue(second >= 390_000_000L, "second delay " + second);
        assertContains(s.feed("a3 LOGIN alice@example.test alice-pw\r\n"), "a3 OK");
    }

    @Test
    void commandsBeforeLoginShouldBeRefused() {
        FakeSessionContext s = fx.session();
        s.start();
        assertContains(s.feed("a1 SELECT INBOX\r\n"), "a1 BAD");
        assertContains(s.feed("a2 CAPABILITY\r\n"), "a2 OK");
        assertContains(s.feed("a3 NOOP\r\n"), "a3 OK");
    }

    @Test
    void authenticatePlainShouldWorkWithContinuationAndInitialResponse() {
        FakeSessionContext s = fx.session();
        s.start();
        assertEquals("+ \r\n", s.feed("a1 AUTHENTICATE PLAIN\r\n"));
        String creds = java.util.Base64.getEncoder().encodeToString(
                "\0alice@example.test\0alice-pw".getBytes(StandardCharsets.UTF_8));
        assertContains(s.feed(creds + "\r\n"), "a1 OK");

        FakeSessionContext t = fx.session();
        t.start();
        assertContains(t.feed("b1 AUTHENTICATE PLAIN " + creds + "\r\n"), "b1 OK");
        FakeSessionContext u = fx.session();
        u.start();
        u.feed("c1 AUTHENTICATE PLAIN\r\n");
        assertContains(u.feed("*\r\n"), "c1 BAD");
    }

    @Test
    void authenticateLoginShouldAskForUserThenPassword() {
        java.util.Base64.Encoder b64 = java.util.Base64.getEncoder();
        FakeSessionContext s = fx.session();
        s.start();
        assertEquals("+ VXNlcm5hbWU6\r\n", s.feed("a1 AUTHENTICATE LOGIN\r\n"));
        assertEquals("+ UGFzc3dvcmQ6\r\n", s.feed(b64.encodeToString("alice".getBytes()) + "\r\n"));
        assertContains(s.feed(b64.encodeToString("alice-pw".getBytes()) + "\r\n"), "a1 OK");
        FakeSessionContext t = fx.session();
        t.start();
        t.feed("b1 AUTHENTICATE LOGIN " + b64.encodeToString("bob".getBytes()) + "\r\n");
        assertContains(t.feed(b64.encodeToString("wrong".getBytes()) + "\r\n"), "b1 NO [AUTHENTICATIONFAILED]");
        assertContains(t.feed("b2 NOOP\r\n"), "b2 OK");
    }

    @Test
    void selectShouldReportCountsAndUidValidity() {
        fx.deliver("alice@example.test", ImapFixture.message("one", "first"));
        fx.deliver("alice@example.test", ImapFixture.message("two", "second"));
        FakeSessionContext s = fx.alice();
        String out = s.feed("a1 SELECT INBOX\r\n");
        assertContains(out, "* 2 EXISTS\r\n");
        assertContains(out, "* 2 RECENT\r\n");
        assertContains(out, "* OK [UIDVALIDITY ");
        assertContains(out, "* OK [UIDNEXT 3]");
        assertContains(out, "* OK [UNSEEN 1]");
        assertContains(out, "a1 OK [READ-WRITE] SELECT completed");
        // the messages moved from new/ to cur/
        assertEquals(0, countFiles(fx.store.inbox("alice@example.test").resolve("new")));
        assertEquals(2, countFiles(fx.store.inbox("alice@example.test").resolve("cur")));
    }

    @Test
    void fetchShouldReturnBodyWithCrlfAndSetSeenUnlessPeek() {
        fx.deliver("alice@example.test", ImapFixture.message("hello", "line1\nline2"));
        FakeSessionContext s = fx.alice();
        s.feed("a1 SELECT INBOX\r\n");
        String peek = s.feed("a2 FETCH 1 (BODY.PEEK[TEXT] FLAGS)\r\n");
        assertContains(peek, "BODY[TEXT] {14}\r\nline1\r\nline2\r\n");
        assertFalse(peek.contains("\\Seen"), peek);
        String read = s.feed("a3 FETCH 1 BODY[HEADER.FIELDS (SUBJECT)]\r\n");
        assertContains(read, "BODY[HEADER.FIELDS (SUBJECT)] {18}\r\nSubject: hello\r\n\r\n");
        assertContains(read, "FLAGS (\\Seen \\Recent)");
        assertContains(s.feed("a4 FETCH 1 FLAGS\r\n"), "* 1 FETCH (FLAGS (\\Seen \\Recent))");
        String size = s.feed("a5 UID FETCH 1:* (RFC822.SIZE BODY[]<0.4>)\r\n");
        assertContains(size, "* 1 FETCH (UID 1 RFC822.SIZE ");
        assertContains(size, "BODY[]<0> {4}\r\nFrom)");
    }

    @Test
    void firstFetchWithoutPeekShouldReadTheFileItJustRenamed() {
        fx.deliver("alice@example.test", ImapFixture.message("fresh", "unread body"));
        FakeSessionContext s = fx.alice();
        s.feed("a1 SELECT INBOX\r\n");
        String out = s.feed("a2 UID FETCH 1 BODY[]\r\n");
        assertContains(out, "unread body\r\n FLAGS (\\Seen \\Recent))\r\n");
        assertContains(out, "a2 OK");
    }

    @Test
    void aFetchBiggerThanOneBatchShouldArriveWholeAndInOrder() {
        String big = "y".repeat(99) + "\n";
        for (int i = 1; i <= 3; i++) {
            fx.deliver("alice@example.test", ImapFixture.message("big" + i, big.repeat(20_000)));
        }
        FakeSessionContext s = fx.alice();
        s.feed("a1 SELECT INBOX\r\n");
        String out = s.feed("a2 FETCH 1:* (BODY[TEXT])\r\na3 NOOP\r\n");
        int one = out.indexOf("* 1 FETCH (BODY[TEXT] {");
        int two = out.indexOf("* 2 FETCH (BODY[TEXT] {");
        int three = out.indexOf("* 3 FETCH (BODY[TEXT] {");
        int done = out.indexOf("a2 OK FETCH completed");
        assertTrue(one >= 0 && one < two && two < three && three < done, out.substring(0, 100) + " " + one + " "
                + two + " " + three + " " + done);
        assertTrue(out.indexOf("a3 OK") > done);
        assertEquals(3, out.split("FLAGS \\(\\\\Seen \\\\Recent\\)", -1).length - 1);
    }

    @Test
    void aMessageDeletedByAnotherProgramShouldBeSkippedNotFailTheFetch() throws Exception {
        fx.deliver("alice@example.test", ImapFixture.message("one", "1"));
        fx.deliver("alice@example.test", ImapFixture.message("two", "2"));
        FakeSessionContext s = fx.alice();
        s.feed("a1 SELECT INBOX\r\n");
        Path cur = fx.store.inbox("alice@example.test").resolve("cur");
        try (var files = Files.list(cur)) {
            Path first = files.sorted().findFirst().orElseThrow();
            Files.delete(first);
        }
        String out = s.feed("a2 FETCH 1:2 (BODY.PEEK[TEXT])\r\n");
        assertFalse(out.contains("SERVERBUG"), out);
        assertContains(out, "* 2 FETCH (BODY[TEXT] {3}\r\n2\r\n)");
        assertContains(out, "a2 NO Some messages were expunged");
        assertContains(s.feed("a3 NOOP\r\n"), "* 1 EXPUNGE");
    }

    @Test
    void fetchShouldFollowAFileRenamedByAnotherProgram() throws Exception {
        fx.deliver("alice@example.test", ImapFixture.message("moved", "still here"));
        FakeSessionContext s = fx.alice();
        s.feed("a1 SELECT INBOX\r\n");
        Path cur = fx.store.inbox("alice@example.test").resolve("cur");
        try (var files = Files.list(cur)) {
            Path f = files.findFirst().orElseThrow();
            Files.move(f, cur.resolve(f.getFileName() + "F"));
        }
        assertContains(s.feed("a2 FETCH 1 BODY.PEEK[TEXT]\r\n"), "still here\r\n");
    }

    @Test
    void storeShouldChangeFlagsOnDiskAndExpungeShouldDelete() throws Exception {
        fx.deliver("alice@example.test", ImapFixture.message("one", "1"));
        fx.deliver("alice@example.test", ImapFixture.message("two", "2"));
        fx.deliver("alice@example.test", ImapFixture.message("three", "3"));
        FakeSessionContext s = fx.alice();
        s.feed("a1 SELECT INBOX\r\n");
        assertContains(s.feed("a2 STORE 2 +FLAGS (\\Deleted \\Flagged)\r\n"),
                "* 2 FETCH (FLAGS (\\Flagged \\Deleted \\Recent))");
        assertTrue(listNames(fx.store.inbox("alice@example.test").resolve("cur")).contains(":2,FT"));
        assertEquals("a3 OK STORE completed\r\n", s.feed("a3 STORE 1 +FLAGS.SILENT (\\Seen)\r\n"));
        assertContains(s.feed("a4 UID STORE 3 FLAGS (\\Answered $Label1)\r\n"), "UID 3 FLAGS (\\Answered \\Recent $Label1)");
        String ex = s.feed("a5 EXPUNGE\r\n");
        assertContains(ex, "* 2 EXPUNGE\r\na5 OK");
        assertEquals(2, countFiles(fx.store.inbox("alice@example.test").resolve("cur")));
        assertContains(s.feed("a6 UID SEARCH ALL\r\n"), "* SEARCH 1 3\r\n");
        assertContains(s.feed("a7 SEARCH KEYWORD $Label1\r\n"), "* SEARCH 2\r\n");
    }

    @Test
    void searchShouldCombineKeys() {
        fx.deliver("alice@example.test", ImapFixture.message("apples", "red fruit"));
        fx.deliver("alice@example.test", ImapFixture.message("pears", "green fruit"));
        fx.deliver("alice@example.test", ImapFixture.message("bread", "baked"));
        FakeSessionContext s = fx.alice();
        s.feed("a1 SELECT INBOX\r\n");
        s.feed("a2 STORE 3 +FLAGS (\\Seen)\r\n");
        assertContains(s.feed("a3 SEARCH BODY fruit\r\n"), "* SEARCH 1 2\r\n");
        assertContains(s.feed("a4 SEARCH OR SUBJECT apples SUBJECT bread\r\n"), "* SEARCH 1 3\r\n");
        assertContains(s.feed("a5 SEARCH NOT SEEN\r\n"), "* SEARCH 1 2\r\n");
        assertContains(s.feed("a6 SEARCH (UNSEEN TEXT green) FROM bob\r\n"), "* SEARCH 2\r\n");
        assertContains(s.feed("a7 SEARCH 2:* SENTON 2-Mar-2026\r\n"), "* SEARCH 2 3\r\n");
        assertContains(s.feed("a8 SEARCH SENTBEFORE 1-Jan-2026\r\n"), "* SEARCH\r\n");
        assertContains(s.feed("a9 SEARCH LARGER 10000\r\n"), "* SEARCH\r\n");
        assertContains(s.feed("b1 UID SEARCH UID 2:3 HEADER Message-ID example\r\n"), "* SEARCH 2 3\r\n");
        assertContains(s.feed("b2 SEARCH FOO\r\n"), "b2 BAD");
    }

    @Test
    void searchShouldLookIntoBase64AndQuotedPrintableTextParts() {
        fx.deliver("alice@example.test", "Subject: b64\nContent-Type: text/plain; charset=utf-8\n"
                + "Content-Transfer-Encoding: base64\n\n" + java.util.Base64.getMimeEncoder().encodeToString(
                "Grüße aus Zürich".getBytes(StandardCharsets.UTF_8)) + "\n");
        fx.deliver("alice@example.test", "Subject: qp\nContent-Type: multipart/mixed; boundary=b\n\n--b\n"
                + "Content-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\n"
                + "Caf=E9 cr=E8me\n--b--\n");
        FakeSessionContext s = fx.alice();
        s.feed("a1 SELECT INBOX\r\n");
        assertContains(s.feed("a2 SEARCH CHARSET UTF-8 BODY {7}\r\nzürich\r\n"), "* SEARCH 1\r\n");
        assertContains(s.feed("a3 SEARCH CHARSET UTF-8 TEXT {5}\r\ncafé\r\n"), "* SEARCH 2\r\n");
    }

    @Test
    void appendWithLiteralShouldStoreMessageAndReportAppendUid() {
        FakeSessionContext s = fx.alice();
        String msg = "Subject: appended\r\n\r\nbody\r\n";
        assertContains(s.feed("a1 APPEND INBOX (\\Seen) \" 5-Mar-2026 10:00:00 +0100\" {" + msg.length() + "}\r\n"),
                "+ Ready for literal");
        String out = s.feed(msg + "\r\n");
        assertTrue(Pattern.compile("a1 OK \\[APPENDUID \\d+ 1\\] APPEND completed").matcher(out).find(), out);
        s.feed("a2 SELECT INBOX\r\n");
        String fetch = s.feed("a3 FETCH 1 (FLAGS INTERNALDATE BODY.PEEK[])\r\n");
        assertContains(fetch, "FLAGS (\\Seen \\Recent)");
        assertContains(fetch, "INTERNALDATE \"");
        assertContains(fetch, "BODY[] {" + msg.length() + "}\r\n" + msg);
        // LITERAL+: no continuation
        String plus = s.feed("a4 APPEND INBOX {" + msg.length() + "+}\r\n" + msg + "\r\n");
        assertFalse(plus.contains("+ Ready"), plus);
        assertContains(plus, "* 2 EXISTS");
        assertContains(plus, "a4 OK [APPENDUID");
        assertContains(s.feed("a5 APPEND Nowhere {3+}\r\nabc\r\n"), "a5 NO [TRYCREATE]");
    }

    @Test
    void tooLargeLiteralShouldBeRefusedBeforeItIsRead() {
        ImapFixture small = new ImapFixture(dir.resolve("small"), "inbound.max-message-size = 100, "
                + "inbound.max-literal-size = 10");
        FakeSessionContext s = small.session();
        s.start();
        s.feed("a0 LOGIN alice@example.test alice-pw\r\n");
        String out = s.feed("a1 APPEND INBOX {500}\r\n");
        assertEquals("a1 NO [TOOBIG] Message larger than 100 octets\r\n", out);
        assertContains(s.feed("a2 LOGIN {50}\r\n"), "a2 BAD Literal larger than 10");
        // non-synchronising: read and discarded, then refused; the session goes on
        String discard = s.feed("a3 APPEND INBOX {200+}\r\n" + "x".repeat(200) + "\r\na4 NOOP\r\n");
        assertContains(discard, "a3 NO [TOOBIG]");
        assertContains(discard, "a4 OK");
    }

    @Test
    void copyAndMoveShouldReportCopyUidAndExpungeTheSource() throws Exception {
        fx.deliver("alice@example.test", ImapFixture.message("one", "1"));
        fx.deliver("alice@example.test", ImapFixture.message("two", "2"));
        FakeSessionContext s = fx.alice();
        assertContains(s.feed("a1 CREATE Archive/2026\r\n"), "a1 OK");
        s.feed("a2 SELECT INBOX\r\n");
        assertContains(s.feed("a3 COPY 1 Archive/2026\r\n"), "a3 OK [COPYUID ");
        Path inboxCur = fx.store.inbox("alice@example.test").resolve("cur");
        String secondBase;
        // The second message's file, found by its content (Maildir names do not sort by delivery order).
        try (var files = Files.list(inboxCur)) {
            secondBase = files.filter(p -> {
                try {
                    return Files.readString(p).contains("Subject: two\n");
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).map(p -> p.getFileName().toString()).findFirst().orElseThrow();
            secondBase = secondBase.substring(0, secondBase.indexOf(':'));
        }
        String move = s.feed("a4 UID MOVE 2 Archive/2026\r\n");
        // MOVE renames the file into the other folder (same base name) instead of copying it
        try (var files = Files.list(fx.store.inbox("alice@example.test").resolve(".Archive.2026").resolve("cur"))) {
            String base = secondBase;
            assertTrue(files.anyMatch(p -> p.getFileName().toString().startsWith(base + ":2,")), move);
        }
        assertTrue(Pattern.compile("\\* OK \\[COPYUID \\d+ 2 2\\]").matcher(move).find(), move);
        assertContains(move, "* 2 EXPUNGE\r\na4 OK");
        assertContains(s.feed("a5 STATUS Archive/2026 (MESSAGES UIDNEXT UNSEEN)\r\n"),
                "* STATUS Archive/2026 (MESSAGES 2 UIDNEXT 3 UNSEEN 2)");
        assertContains(s.feed("a6 COPY 1 Missing\r\n"), "a6 NO [TRYCREATE]");
        assertTrue(Files.isDirectory(fx.store.inbox("alice@example.test").resolve(".Archive.2026").resolve("cur")));
    }

    @Test
    void foldersShouldBeCreatedListedRenamedAndDeleted() {
        FakeSessionContext s = fx.alice();
        s.feed("a1 CREATE Work\r\n");
        s.feed("a2 CREATE Work/Projects\r\n");
        assertContains(s.feed("a3 CREATE Work\r\n"), "a3 NO [ALREADYEXISTS]");
        String list = s.feed("a4 LIST \"\" *\r\n");
        assertContains(list, "* LIST (\\HasNoChildren) \"/\" INBOX\r\n");
        assertContains(list, "* LIST (\\HasChildren) \"/\" Work\r\n");
        assertContains(list, "* LIST (\\HasNoChildren) \"/\" Work/Projects\r\n");
        String top = s.feed("a5 LIST \"\" %\r\n");
        assertFalse(top.contains("Work/Projects"), top);
        assertContains(s.feed("a6 RENAME Work Jobs\r\n"), "a6 OK");
        String after = s.feed("a7 LIST \"\" *\r\n");
        assertContains(after, "\"/\" Jobs/Projects\r\n");
        assertFalse(after.contains("Work"), after);
        assertContains(s.feed("a8 DELETE Jobs/Projects\r\n"), "a8 OK");
        assertContains(s.feed("a9 DELETE INBOX\r\n"), "a9 NO");
        assertContains(s.feed("b1 SUBSCRIBE Jobs\r\n"), "b1 OK");
        assertContains(s.feed("b2 LSUB \"\" *\r\n"), "* LSUB () \"/\" Jobs\r\n");
        s.feed("b3 UNSUBSCRIBE Jobs\r\n");
        assertFalse(s.feed("b4 LSUB \"\" *\r\n").contains("* LSUB"));
        assertContains(s.feed("b5 CREATE bad.name\r\n"), "b5 NO");
        assertContains(s.feed("b6 LIST \"\" \"\"\r\n"), "* LIST (\\Noselect) \"/\" \"\"");
        s.feed("b7 CREATE Sent\r\n");
        s.feed("b8 CREATE \"Deleted Items\"\r\n");
        String special = s.feed("b9 LIST \"\" *\r\n");
        assertContains(special, "* LIST (\\HasNoChildren \\Sent) \"/\" Sent\r\n");
        assertContains(special, "* LIST (\\HasNoChildren \\Trash) \"/\" \"Deleted Items\"\r\n");
    }

    @Test
    void idleShouldAnnounceNewMessageDeliveredMeanwhile() {
        FakeSessionContext s = fx.alice();
        s.feed("a1 SELECT INBOX\r\n");
        assertEquals("+ idling\r\n", s.feed("a2 IDLE\r\n"));
        fx.deliver("alice@example.test", ImapFixture.message("news", "fresh"));
        String update = s.runCallbacks();
        assertContains(update, "* 1 EXISTS\r\n");
        assertContains(update, "* 1 RECENT\r\n");
        assertEquals("a2 OK IDLE terminated\r\n", s.feed("DONE\r\n"));
    }

    @Test
    void twoSessionsShouldSeeEachOthersExpungeAndFlags() {
        fx.deliver("alice@example.test", ImapFixture.message("one", "1"));
        fx.deliver("alice@example.test", ImapFixture.message("two", "2"));
        FakeSessionContext a = fx.alice();
        FakeSessionContext b = fx.alice();
        a.feed("a1 SELECT INBOX\r\n");
        assertContains(b.feed("b1 SELECT INBOX\r\n"), "* 2 EXISTS");
        a.feed("a2 STORE 2 +FLAGS (\\Flagged)\r\n");
        assertContains(b.feed("b2 NOOP\r\n"), "* 2 FETCH (FLAGS (\\Flagged))");
        a.feed("a3 STORE 1 +FLAGS (\\Deleted)\r\n");
        a.feed("a4 EXPUNGE\r\n");
        // no EXPUNGE during a plain FETCH; it comes with the next NOOP
        assertFalse(b.feed("b3 FETCH 2 FLAGS\r\n").contains("EXPUNGE"));
        assertContains(b.feed("b4 NOOP\r\n"), "* 1 EXPUNGE");
        assertContains(b.feed("b5 FETCH 1 (UID)\r\n"), "* 1 FETCH (UID 2)");
    }

    @Test
    void examineShouldBeReadOnly() {
        fx.deliver("alice@example.test", ImapFixture.message("one", "1"));
        FakeSessionContext s = fx.alice();
        assertContains(s.feed("a1 EXAMINE INBOX\r\n"), "a1 OK [READ-ONLY]");
        assertContains(s.feed("a2 STORE 1 +FLAGS (\\Seen)\r\n"), "a2 NO");
        assertFalse(s.feed("a3 FETCH 1 BODY[]\r\n").contains("\\Seen"));
        s.feed("a4 CLOSE\r\n");
        assertContains(s.feed("a5 FETCH 1 FLAGS\r\n"), "a5 BAD");
    }

    @Test
    void badSyntaxShouldGetTaggedBadAndTheSessionGoesOn() {
        FakeSessionContext s = fx.alice();
        assertContains(s.feed("a1 FETCH\r\n"), "a1 BAD");
        assertContains(s.feed("a2 BLURB\r\n"), "a2 BAD Unknown command BLURB");
        assertContains(s.feed("\r\n"), "* BAD");
        assertContains(s.feed("a3 NOOP\r\n"), "a3 OK");
    }

    @Test
    void tooManyBadCommandsShouldCloseTheConnection() {
        ImapFixture strict = new ImapFixture(dir.resolve("strict"), "inbound.max-bad-commands = 3");
        FakeSessionContext s = strict.session();
        s.start();
        s.feed("a1 X\r\na2 X\r\n");
        assertContains(s.feed("a3 X\r\n"), "* BYE Too many bad commands");
        assertTrue(s.isClosing());
    }

    @Test
    void idleTimeoutAndShutdownShouldSayByeAndClose() {
        FakeSessionContext s = fx.alice();
        assertEquals("* BYE Autologout; idle for too long\r\n", s.idle());
        assertTrue(s.isClosing());
        FakeSessionContext t = fx.alice();
        assertEquals("* BYE Server shutting down\r\n", t.shutdown());
        assertTrue(t.isClosing());
    }

    @Test
    void logoutShouldSayByeThenOk() {
        FakeSessionContext s = fx.alice();
        String out = s.feed("a1 LOGOUT\r\n");
        assertTrue(out.startsWith("* BYE "), out);
        assertContains(out, "a1 OK LOGOUT completed");
        assertTrue(s.isClosing());
    }

    @Test
    void pipelinedCommandsShouldBeAnsweredInOrder() {
        fx.deliver("alice@example.test", ImapFixture.message("one", "1"));
        FakeSessionContext s = fx.session();
        s.start();
        String out = s.feed("a1 LOGIN alice@example.test alice-pw\r\na2 SELECT INBOX\r\na3 FETCH 1 UID\r\na4 LOGOUT\r\n");
        int i1 = out.indexOf("a1 OK");
        int i2 = out.indexOf("a2 OK");
        int i3 = out.indexOf("a3 OK");
        int i4 = out.indexOf("a4 OK");
        assertTrue(i1 >= 0 && i1 < i2 && i2 < i3 && i3 < i4, out);
    }

    @Test
    void namespaceIdAndEnableShouldAnswer() {
        FakeSessionContext s = fx.alice();
        assertContains(s.feed("a1 NAMESPACE\r\n"), "* NAMESPACE ((\"\" \"/\")) NIL NIL");
        assertContains(s.feed("a2 ID (\"name\" \"test\")\r\n"), "* ID (\"name\" \"Postroom\"");
        assertContains(s.feed("a3 ENABLE CONDSTORE\r\n"), "a3 OK");
    }

    private static long countFiles(Path d) {
        try (var st = Files.list(d)) {
            return st.count();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static String listNames(Path d) {
        try (var st = Files.list(d)) {
            return st.map(p -> p.getFileName().toString()).reduce("", (a, b) -> a + " " + b);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void envelopesShouldBeReadOnceAndSharedBySessionsOfTheListener() throws Exception {
        fx.deliver("alice@example.test", ImapFixture.message("first", "one"));
        FakeSessionContext s = fx.alice();
        s.feed("a1 SELECT INBOX\r\n");
        assertContains(s.feed("a2 FETCH 1 (ENVELOPE)\r\n"), "\"first\"");
        // Rewrite the file in place (a Maildir never does this): only a remembered envelope still says "first".
        Path file;
        try (var files = Files.list(fx.store.inbox("alice@example.test").resolve("cur"))) {
            file = files.findFirst().orElseThrow();
        }
        Files.writeString(file, ImapFixture.message("second", "two"));

        FakeSessionContext t = fx.alice();
        t.feed("b1 SELECT INBOX\r\n");
        String out = t.feed("b2 FETCH 1 (FLAGS ENVELOPE)\r\n");
        assertContains(out, "\"first\"");
        assertContains(out, "b2 OK");
        assertContains(t.feed("b3 SEARCH SUBJECT first\r\n"), "* SEARCH 1\r\n");
        assertContains(t.feed("b4 SEARCH BODY two\r\n"), "* SEARCH 1\r\n"); // the body is read from the file
        assertEquals(1, fx.registry.summaries().size());
    }

    @Test
    void onlyBodyAndTextSearchesShouldNeedTheBody() {
        org.postroom.imap.codec.SearchKey subject = new org.postroom.imap.codec.SearchKey.Header("Subject", "x");
        org.postroom.imap.codec.SearchKey body = new org.postroom.imap.codec.SearchKey.Body("x");
        assertFalse(SearchEvaluator.needsBody(subject));
        assertTrue(SearchEvaluator.needsBody(body));
        assertTrue(SearchEvaluator.needsBody(new org.postroom.imap.codec.SearchKey.Not(
                new org.postroom.imap.codec.SearchKey.Or(subject, new org.postroom.imap.codec.SearchKey.Text("y")))));
        assertFalse(SearchEvaluator.needsBody(new org.postroom.imap.codec.SearchKey.And(java.util.List.of(subject,
                new org.postroom.imap.codec.SearchKey.Size(true, 10)))));
    }
}
