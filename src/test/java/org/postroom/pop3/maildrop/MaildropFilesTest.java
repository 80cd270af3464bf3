package org.postroom.pop3.maildrop;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postroom.pop3.Pop3Fixture;
import org.postroom.store.MaildirStore;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MaildropFilesTest {
    @TempDir
    Path temp;

    private static List<String> uids(Maildrop drop) {
        return drop.messages().stream().map(MaildropMessage::uid).toList();
    }

    @Test
    void openShouldMoveNewMailToCurWithAnEmptyInfoAndListItInDeliveryOrder() throws IOException {
        Pop3Fixture f = new Pop3Fixture(temp);
        f.seed("1700000010.M5P1Q10.h", "Subject: later\n\nb\n");
        f.seed("1700000002.M9P1Q2.h", "Subject: earlier\n\na\n");
        f.seed("1700000010.M1P1Q9.h", "Subject: same second, earlier counter\n\nc\n");

        Maildrop drop = MaildropFiles.open(Pop3Fixture.ALICE, f.store.inbox(Pop3Fixture.ALICE));

        assertEquals(3, drop.count());
        assertEquals(List.of("1700000002.M9P1Q2.h", "1700000010.M1P1Q9.h", "1700000010.M5P1Q10.h"),
                drop.messages().stream().map(m -> m.uid().substring(0, m.uid().indexOf(','))).toList());
        assertTrue(f.aliceFiles().stream().allMatch(n -> n.startsWith("cur/") && n.endsWith(":2,")), f.aliceFiles().toString());
    }

    @Test
    void uidsShouldBeTheSameAcrossTwoOpensAndFlagChangesByAnotherClient() throws IOException {
        Pop3Fixture f = new Pop3Fixture(temp);
        f.seedStandardMailbox();
        Path inbox = f.store.inbox(Pop3Fixture.ALICE);
        Maildrop first = MaildropFiles.open(Pop3Fixture.ALICE, inbox);
        // An IMAP client marks the first message seen: the info part of its name changes.
        MaildropMessage m = first.message(1);
        Files.move(inbox.resolve("cur").resolve(m.fileName()), inbox.resolve("cur").resolve(m.baseName() + ":2,S"));
        f.store.deliver(Pop3Fixture.ALICE, "Subject: new one\n\nx\n".getBytes(StandardCharsets.UTF_8));

        Maildrop second = MaildropFiles.open(Pop3Fixture.ALICE, inbox);

        assertEquals(uids(first), uids(second).subList(0, 3));
        assertEquals(4, second.count());
        assertFalse(uids(second).get(3).contains(":"));
        assertEquals(4, uids(second).stream().distinct().count());
    }

    @Test
    void uidsShouldBeValidRfc1939UniqueIds() {
        assertEquals("1700000001.M1P1Q1.h,S=3,W=4", MaildropFiles.uidOf("1700000001.M1P1Q1.h,S=3,W=4"));
        String longName = "1700000001.M1P1Q1." + "very-long-host-name.".repeat(5) + "example,S=3,W=4";
        String uid = MaildropFiles.uidOf(longName);
        assertTrue(uid.length() <= 70 && uid.chars().allMatch(c -> c >= 0x21 && c <= 0x7e), uid);
        assertEquals(uid, MaildropFiles.uidOf(longName), "stable");
        assertFalse(uid.equals(MaildropFiles.uidOf(longName + "x")));
    }

    @Test
    void sizesShouldCountCrlfFromTheNameOrFromTheContent() throws IOException {
        Pop3Fixture f = new Pop3Fixture(temp);
        f.seed("1700000001.M1P1Q1.h", "A: b\n\nline\n");
        Path inbox = f.store.inbox(Pop3Fixture.ALICE);
        // A file delivered by another tool, without ,S= and ,W=, with one CRLF line already.
        Files.write(inbox.resolve("cur").resolve("1700000002.foreign:2,S"), "A: b\r\n\nline".getBytes(StandardCharsets.UTF_8));

        Maildrop drop = MaildropFiles.open(Pop3Fixture.ALICE, inbox);

        assertEquals("A: b\r\n\r\nline\r\n".length(), drop.message(1).size());
        assertEquals("A: b\r\n\r\nline\r\n".length(), drop.message(2).size());
    }

    @Test
    void readShouldFindAMessageRenamedByAnotherClientAndFailWhenItIsGone() throws IOException {
        Pop3Fixture f = new Pop3Fixture(temp);
        f.seed("1700000001.M1P1Q1.h", "Subject: x\n\nhello\n");
        Path inbox = f.store.inbox(Pop3Fixture.ALICE);
        Maildrop drop = MaildropFiles.open(Pop3Fixture.ALICE, inbox);
        MaildropMessage m = drop.message(1);
        Path renamed = inbox.resolve("cur").resolve(m.baseName() + ":2,RS");
        Files.move(inbox.resolve("cur").resolve(m.fileName()), renamed);

        assertArrayEquals("Subject: x\n\nhello\n".getBytes(StandardCharsets.UTF_8), MaildropFiles.read(drop, m));

        Files.delete(renamed);
        assertThrows(NoSuchFileException.class, () -> MaildropFiles.read(drop, m));
    }

    @Test
    void deleteShouldRemoveOnlyTheMarkedMessagesAndCountVanishedOnesAsDeleted() throws IOException {
        Pop3Fixture f = new Pop3Fixture(temp);
        f.seedStandardMailbox();
        Path inbox = f.store.inbox(Pop3Fixture.ALICE);
        Maildrop drop = MaildropFiles.open(Pop3Fixture.ALICE, inbox);
        Files.delete(inbox.resolve("cur").resolve(drop.message(3).fileName()));

        assertEquals(0, MaildropFiles.delete(drop, List.of(drop.message(1), drop.message(3))));

        assertEquals(List.of("cur/" + drop.message(2).fileName()), f.aliceFiles());
    }

    @Test
    void openingAnAccountThatNeverGotMailShouldGiveAnEmptyMaildrop() throws IOException {
        Pop3Fixture f = new Pop3Fixture(temp);
        Maildrop drop = MaildropFiles.open("bob@example.test", f.store.inbox("bob@example.test"));
        assertEquals(0, drop.count());
        assertTrue(Files.isDirectory(f.store.inbox("bob@example.test").resolve("tmp")));
    }

    @Test
    void dotFilesAndDirectoriesInCurShouldBeIgnored() throws IOException {
        Pop3Fixture f = new Pop3Fixture(temp);
        Path inbox = f.store.inbox(Pop3Fixture.ALICE);
        MaildirStore.ensureMaildir(inbox);
        Files.writeString(inbox.resolve("cur").resolve(".hidden"), "x");
        Files.createDirectory(inbox.resolve("cur").resolve("subdir"));
        assertEquals(0, MaildropFiles.open(Pop3Fixture.ALICE, inbox).count());
    }

    @Test
    void deliveryOrderKeysShouldReadTheLeadingSecondsAndTheCounterAfterQ() {
        assertEquals(1700000001L, MaildropFiles.leadingSeconds("1700000001.M1P1Q12.h,S=3,W=4"));
        assertEquals(12L, MaildropFiles.counter("1700000001.M1P1Q12.h,S=3,W=4"));
        // The first Q followed by a digit counts; a name without one sorts last.
        assertEquals(7L, MaildropFiles.counter("1700000001.MQxP1Q7.host"));
        assertEquals(Long.MAX_VALUE, MaildropFiles.counter("1700000001.M1P1.host"));
        assertEquals(Long.MAX_VALUE, MaildropFiles.leadingSeconds("x1700000001.M1P1Q1.host"));
        // At most 18 digits, as the former pattern: no overflow on a hostile name.
        assertEquals(123456789012345678L, MaildropFiles.leadingSeconds("1234567890123456789999.M1"));
    }

    @Test
    void theListedSizeShouldComeFromTheNameWhenItCarriesOneAndElseFromTheFile() throws IOException {
        assertEquals(4154L, MaildropFiles.sizeFromName("1790000031.M31P1Q31.bench,S=4096,W=4154"));
        assertEquals(-1L, MaildropFiles.sizeFromName("1790000031.M31P1Q31.bench,S=4096"));
        assertEquals(-1L, MaildropFiles.sizeFromName("1790000031.M31P1Q31.bench,W=x"));
        // A name without W= (another MDA's delivery) is counted from the file: LF lines become CRLF.
        Pop3Fixture f = new Pop3Fixture(temp);
        Path inbox = f.store.inbox(Pop3Fixture.ALICE);
        MaildirStore.ensureMaildir(inbox);
        Files.writeString(inbox.resolve("cur").resolve("1700000001.M1P1Q1.other:2,"), "Subject: a\n\nbody\n");
        Files.writeString(inbox.resolve("cur").resolve("1700000002.M1P1Q2.other,W=99:2,S"), "ignored\n");
        Maildrop drop = MaildropFiles.open(Pop3Fixture.ALICE, inbox);
        assertEquals(2, drop.count());
        assertEquals("Subject: a\r\n\r\nbody\r\n".length(), drop.messages().get(0).size());
        assertEquals(99L, drop.messages().get(1).size());
    }
}
