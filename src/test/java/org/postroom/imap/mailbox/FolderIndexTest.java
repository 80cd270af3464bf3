package org.postroom.imap.mailbox;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postroom.store.MaildirStore;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FolderIndexTest {
    @TempDir
    Path dir;
    MaildirStore store;
    Path inbox;

    @BeforeEach
    void setUp() throws Exception {
        store = new MaildirStore(dir.resolve("mail"), "mail.example.test");
        inbox = store.inbox("alice@example.test");
        MaildirStore.ensureMaildir(inbox);
    }

    private Path deliver(String text) throws Exception {
        return store.deliver("alice@example.test", text.getBytes(StandardCharsets.UTF_8));
    }

    private static List<Long> uids(FolderIndex index) throws Exception {
        return index.snapshot().stream().map(MessageRecord::uid).toList();
    }

    @Test
    void uidValidityUidNextAndUidsShouldSurviveReopening() throws Exception {
        deliver("Subject: 1\n\none\n");
        deliver("Subject: 2\n\ntwo\n");
        FolderIndex first = new FolderIndex(inbox);
        first.refresh();
        long validity = first.uidValidity();
        assertEquals(List.of(1L, 2L), uids(first));
        first.expunge(List.of(1L));
        assertEquals(3, first.uidNext());

        FolderIndex reopened = new FolderIndex(inbox);
        reopened.refresh();
        assertEquals(validity, reopened.uidValidity());
        assertEquals(3, reopened.uidNext());
        assertEquals(List.of(2L), uids(reopened));
        deliver("Subject: 3\n\nthree\n");
        reopened.refresh();
        assertEquals(List.of(2L, 3L), uids(reopened));
    }

    @Test
    void newMessagesShouldMoveToCurAndBeRecentOnce() throws Exception {
        deliver("Subject: 1\n\none\n");
        FolderIndex index = new FolderIndex(inbox);
        index.refresh();
        try (Stream<Path> s = Files.list(inbox.resolve("new"))) {
            assertEquals(0, s.count());
        }
        try (Stream<Path> s = Files.list(inbox.resolve("cur"))) {
            assertTrue(s.allMatch(p -> p.getFileName().toString().endsWith(":2,")));
        }
        assertEquals(Set.of(1L), index.claimRecent());
        assertEquals(Set.of(), index.claimRecent());
    }

    @Test
    void flagsShouldLiveInTheFileNameAndKeywordsInTheUidList() throws Exception {
        deliver("Subject: 1\n\none\n");
        FolderIndex index = new FolderIndex(inbox);
        index.refresh();
        index.setFlags(List.of(1L), FolderIndex.FlagMode.ADD, Set.of("\\Seen", "\\Answered", "$Work"));
        try (Stream<Path> s = Files.list(inbox.resolve("cur"))) {
            assertTrue(s.anyMatch(p -> p.getFileName().toString().endsWith(":2,RS")));
        }
        FolderIndex reopened = new FolderIndex(inbox);
        reopened.refresh();
        assertEquals(Set.of("\\Seen", "\\Answered", "$Work"), reopened.get(1).flags());
        reopened.setFlags(List.of(1L), FolderIndex.FlagMode.REMOVE, Set.of("\\Seen", "$Work"));
        assertEquals(Set.of("\\Answered"), reopened.get(1).flags());
    }

    @Test
    void changesByOtherProgramsShouldBePickedUp() throws Exception {
        Path file = deliver("Subject: 1\n\none\n");
        deliver("Subject: 2\n\ntwo\n");
        FolderIndex index = new FolderIndex(inbox);
        index.refresh();
        // another program (a POP3 session, mutt) flags one message and deletes the other
        MessageRecord first = index.get(1);
        Files.move(first.file(), first.file().resolveSibling(first.file().getFileName().toString() + "FS"));
        Files.delete(index.get(2).file());
        index.refresh();
        assertEquals(List.of(1L), uids(index));
        assertEquals(Set.of("\\Flagged", "\\Seen"), index.get(1).flags());
        assertTrue(file.getFileName().toString().contains(",W="));
    }

    @Test
    void appendShouldStoreFlagsDateAndCrlfSize() throws Exception {
        FolderIndex index = new FolderIndex(store.folder("alice@example.test", "Sent"));
        MaildirStore.ensureMaildir(index.dir());
        long uid = index.append(store, "Subject: s\n\nbody\n".getBytes(StandardCharsets.UTF_8), Set.of("\\Seen"),
                1_700_000_000_000L);
        MessageRecord r = index.get(uid);
        assertEquals(Set.of("\\Seen"), r.flags());
        assertEquals(1_700_000_000_000L, r.internalDate());
        assertEquals("Subject: s\r\n\r\nbody\r\n".length(), r.size());
    }

    @Test
    void unchangedStableFolderShouldSkipTheScanButSeeTheNextDelivery() throws Exception {
        deliver("Subject: 1\n\none\n");
        FolderIndex index = new FolderIndex(inbox);
        index.refresh();
        java.nio.file.attribute.FileTime old = java.nio.file.attribute.FileTime.fromMillis(
                System.currentTimeMillis() - 10_000);
        Files.setLastModifiedTime(inbox.resolve("cur"), old);
        Files.setLastModifiedTime(inbox.resolve("new"), old);
        index.refresh();
        index.refresh();
        assertEquals(List.of(1L), uids(index));
        deliver("Subject: 2\n\ntwo\n");
        index.refresh();
        assertEquals(List.of(1L, 2L), uids(index));
    }

    /**
     * Sets both directories' times to {@code agoMillis} before now: with a sub-second part when
     * {@code fine}, else cut to the whole second (as FAT or ext3 store them).
     */
    private java.nio.file.attribute.FileTime ageDirectories(long agoMillis, boolean fine) throws Exception {
        java.time.Instant then = java.time.Instant.ofEpochMilli(System.currentTimeMillis() - agoMillis);
        java.nio.file.attribute.FileTime t = java.nio.file.attribute.FileTime.from(fine
                ? then.plusNanos(1) : then.truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
        setTimes(t);
        return t;
    }

    private void setTimes(java.nio.file.attribute.FileTime t) throws Exception {
        Files.setLastModifiedTime(inbox.resolve("cur"), t);
        Files.setLastModifiedTime(inbox.resolve("new"), t);
    }

    /** A file slipped into cur/ without changing the directory's time (a change in the same tick). */
    private void sneakIntoCur(String base, java.nio.file.attribute.FileTime keep) throws Exception {
        Files.writeString(inbox.resolve("cur").resolve(base + ":2,"), "Subject: sneaked\n\nx\n");
        setTimes(keep);
    }

    @Test
    void aFineGrainedFolderUnchangedForALittleWhileShouldSkipTheScan() throws Exception {
        deliver("Subject: 1\n\none\n");
        FolderIndex index = new FolderIndex(inbox);
        java.nio.file.attribute.FileTime t = ageDirectories(500, true);
        index.refresh();
        sneakIntoCur("1700000099.M9P9Q9.host", t);
        index.refresh();
        assertEquals(List.of(1L), uids(index), "unchanged times, older than the fine window: no scan");
        assertTrue(FolderIndex.FINE_STABLE_MILLIS < 1000);
    }

    @Test
    void aWholeSecondFolderShouldStillWaitTwoSecondsBeforeTrustingItsTimes() throws Exception {
        deliver("Subject: 1\n\none\n");
        FolderIndex index = new FolderIndex(inbox);
        java.nio.file.attribute.FileTime t = ageDirectories(500, false); // whole seconds: 0.5 to 1.5 s ago
        index.refresh();
        sneakIntoCur("1700000099.M9P9Q9.host", t);
        index.refresh();
        assertEquals(List.of(1L, 2L), uids(index), "whole-second times younger than 2 s: scanned again");
    }

    @Test
    void theWindowShouldFollowTheTimestampGranularity() {
        assertEquals(FolderIndex.FINE_STABLE_MILLIS, FolderIndex.stableMillis(1_700_000_000_123_456_789L, 1_700_000_000_000_000_001L));
        assertEquals(FolderIndex.COARSE_STABLE_MILLIS, FolderIndex.stableMillis(1_700_000_000_000_000_000L, 1_700_000_000_123_456_789L));
    }

    @Test
    void versionShouldChangeWithMessagesAndFlagsOnly() throws Exception {
        deliver("Subject: 1\n\none\n");
        FolderIndex index = new FolderIndex(inbox);
        index.refresh();
        long v0 = index.version();
        index.refresh();
        assertEquals(v0, index.version());
        index.setFlags(List.of(1L), FolderIndex.FlagMode.ADD, Set.of("\\Seen"));
        long v1 = index.version();
        assertNotEquals(v0, v1);
        index.setFlags(List.of(1L), FolderIndex.FlagMode.ADD, Set.of("\\Seen"));
        assertEquals(v1, index.version());
        deliver("Subject: 2\n\ntwo\n");
        index.refresh();
        long v2 = index.version();
        assertNotEquals(v1, v2);
        MessageRecord first = index.get(1);
        Files.move(first.file(), first.file().resolveSibling(first.file().getFileName() + "F"));
        index.refresh();
        assertNotEquals(v2, index.version());
    }

    @Test
    void corruptUidListShouldStartAFreshUidValidity() throws Exception {
        deliver("Subject: 1\n\none\n");
        FolderIndex index = new FolderIndex(inbox);
        index.refresh();
        long validity = index.uidValidity();
        Files.writeString(inbox.resolve(FolderIndex.UIDLIST), "garbage\n");
        FolderIndex reopened = new FolderIndex(inbox);
        reopened.refresh();
        assertNotEquals(validity, reopened.uidValidity());
        assertEquals(List.of(1L), uids(reopened));
    }

    @Test
    void mailboxPatternsShouldFollowListWildcards() {
        assertTrue(MailboxNames.pattern("", "*").matcher("A/B").matches());
        assertTrue(MailboxNames.pattern("", "%").matcher("A").matches());
        assertTrue(!MailboxNames.pattern("", "%").matcher("A/B").matches());
        assertTrue(MailboxNames.pattern("A/", "%").matcher("A/B").matches());
        assertTrue(MailboxNames.pattern("", "inbox").matcher("INBOX").matches());
        assertEquals(null, MailboxNames.problem("Archive/2026"));
        assertTrue(MailboxNames.problem("a.b") != null);
        assertTrue(MailboxNames.problem("/a") != null);
    }

    /** Sets both directories' times an hour back and scans: the index's view is then trusted. */
    private static void stillFolder(FolderIndex index, Path maildir) throws Exception {
        java.nio.file.attribute.FileTime old = java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - 3_600_000);
        Files.setLastModifiedTime(maildir.resolve("cur"), old);
        Files.setLastModifiedTime(maildir.resolve("new"), old);
        index.refresh();
    }

    @Test
    void anOwnFlagChangeShouldNotCostARescanButAnnouncedOutsideChangesShouldBeSeen() throws Exception {
        deliver("Subject: 1\n\none\n");
        deliver("Subject: 2\n\ntwo\n");
        FolderIndex index = new FolderIndex(inbox);
        index.refresh();
        stillFolder(index, inbox);
        index.setFlags(List.of(1L), FolderIndex.FlagMode.ADD, Set.of("\\Seen"));
        // An announcement that finds nothing new leaves the index trusting its own change.
        index.expectOutsideChange();
        index.refresh();
        assertEquals(List.of(1L, 2L), uids(index));
        // Another program removes message 2 in the same instant: cur/ keeps the time of our own rename.
        java.nio.file.attribute.FileTime afterOwn = Files.getLastModifiedTime(inbox.resolve("cur"));
        try (Stream<Path> s = Files.list(inbox.resolve("cur"))) {
            Path two = s.filter(p -> !p.getFileName().toString().endsWith("S")).findFirst().orElseThrow();
            Files.delete(two);
        }
        Files.setLastModifiedTime(inbox.resolve("cur"), afterOwn);
        index.refresh();
        assertEquals(List.of(1L, 2L), uids(index), "within the stable time after its own change the index does not rescan");
        index.expectOutsideChange();
        index.refresh();
        assertEquals(List.of(1L), uids(index), "an announced change is looked for at once");
    }

    @Test
    void aDeliveryRightAfterAnOwnChangeShouldBeSeenAtTheNextRefresh() throws Exception {
        deliver("Subject: 1\n\none\n");
        FolderIndex index = new FolderIndex(inbox);
        index.refresh();
        stillFolder(index, inbox);
        index.setFlags(List.of(1L), FolderIndex.FlagMode.ADD, Set.of("\\Seen"));
        deliver("Subject: 2\n\ntwo\n");
        index.refresh();
        assertEquals(List.of(1L, 2L), uids(index));
        // Our own expunge and append leave the index right without a rescan.
        index.expunge(List.of(1L));
        long appended = index.append(store, "Subject: 3\n\nthree\n".getBytes(StandardCharsets.UTF_8), Set.of(), 0);
        index.refresh();
        assertEquals(List.of(2L, appended), uids(index));
        assertEquals(List.of(2L, appended), reopened(inbox), "and the disk says the same");
    }

    private static List<Long> reopened(Path maildir) throws Exception {
        FolderIndex fresh = new FolderIndex(maildir);
        fresh.refresh();
        return uids(fresh);
    }
}
