package org.postroom.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The delivery journal without sockets: a "crash" is {@link DeliveryJournal#abandon} (no final checkpoint)
 * followed by damage a power loss could do to files written without fsync, then a new {@link
 * DeliveryJournal#open} on the same directory.
 */
class DeliveryJournalTest {
    private static final String ALICE = "alice@example.test";
    private static final String BOB = "bob@example.test";
    /** Segments never sealed by the timer during a test: only by filling up or by checkpoint(). */
    private static final DeliveryJournal.Options NO_TIMER =
            new DeliveryJournal.Options(true, 64 * 1024, 2, Duration.ofHours(1));

    @TempDir
    Path dir;

    private Path journalDir() {
        return dir.resolve("journal");
    }

    private Path mail() {
        return dir.resolve("mail");
    }

    private static byte[] message(int n, int size) {
        StringBuilder b = new StringBuilder("Subject: message " + n + "\n\n");
        while (b.length() < size) {
            b.append("line of message ").append(n).append('\n');
        }
        return b.toString().getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void deliveryWritesTheMaildirFileRightAway() throws IOException {
        DeliveryJournal journal = DeliveryJournal.open(journalDir(), mail(), NO_TIMER);
        MaildirStore store = new MaildirStore(mail(), "mx.test", journal);
        List<Path> files = store.deliver(List.of(ALICE, BOB), message(1, 500));
        assertEquals(2, files.size());
        assertArrayEquals(message(1, 500), Files.readAllBytes(files.get(0)));
        assertArrayEquals(message(1, 500), Files.readAllBytes(files.get(1)));
        assertEquals(store.inbox(BOB).resolve("new"), files.get(1).getParent());
        journal.close();
        journal.close(); // the engine closes it from its shutdown task and again at termination
        assertEquals(0, DeliveryJournal.open(journalDir(), mail(), NO_TIMER).replayed(), "a clean stop leaves nothing");
    }

    @Test
    void aCrashReplaysFilesLostEmptiedOrMovedWithoutDuplicates() throws IOException {
        DeliveryJournal journal = DeliveryJournal.open(journalDir(), mail(), NO_TIMER);
        MaildirStore store = new MaildirStore(mail(), "mx.test", journal);
        Path emptied = store.deliver(ALICE, message(1, 700));
        Path lost = store.deliver(ALICE, message(2, 700));
        Path read = store.deliver(ALICE, message(3, 700));
        journal.abandon();

        // What a power loss can leave of files written without fsync, and a reader's move to cur/.
        Files.write(emptied, new byte[0]);
        Files.delete(lost);
        Path cur = read.getParent().getParent().resolve("cur").resolve(read.getFileName() + ":2,S");
        Files.move(read, cur);

        DeliveryJournal reopened = DeliveryJournal.open(journalDir(), mail(), NO_TIMER);
        assertEquals(3, reopened.replayed());
        assertArrayEquals(message(1, 700), Files.readAllBytes(emptied));
        assertArrayEquals(message(2, 700), Files.readAllBytes(lost));
        assertArrayEquals(message(3, 700), Files.readAllBytes(cur));
        assertFalse(Files.exists(read), "a message a reader moved to cur/ is not delivered again");
        try (Stream<Path> s = Files.list(store.inbox(ALICE).resolve("new"))) {
            assertEquals(2, s.count());
        }
        reopened.close();
        assertEquals(0, DeliveryJournal.open(journalDir(), mail(), NO_TIMER).replayed());
    }

    @Test
    void anImapAppendIntoCurWithFlagsIsReplayedUnderItsFlagsAndNotTwiceAfterAFlagChange() throws IOException {
        DeliveryJournal journal = DeliveryJournal.open(journalDir(), mail(), NO_TIMER);
        MaildirStore store = new MaildirStore(mail(), "mx.test", journal);
        Path sent = store.folder(ALICE, "Sent");
        Path lost = store.deliverInto(sent, message(1, 600), "cur", ":2,S");
        Path flagged = store.deliverInto(sent, message(2, 600), "cur", ":2,S");
        assertEquals(sent.resolve("cur"), lost.getParent());
        journal.abandon();
        Files.delete(lost);
        String name = flagged.getFileName().toString();
        Path reflagged = flagged.resolveSibling(name.substring(0, name.indexOf(':')) + ":2,FS");
        Files.move(flagged, reflagged); // a STORE +FLAGS (\Flagged) renames the file

        DeliveryJournal reopened = DeliveryJournal.open(journalDir(), mail(), NO_TIMER);
        assertEquals(2, reopened.replayed());
        assertArrayEquals(message(1, 600), Files.readAllBytes(lost));
        assertArrayEquals(message(2, 600), Files.readAllBytes(reflagged));
        assertFalse(Files.exists(flagged));
        try (Stream<Path> s = Files.list(sent.resolve("cur"))) {
            assertEquals(2, s.count());
        }
        reopened.close();
    }

    @Test
    void aStateFileReplacedThroughTheJournalComesBackWithItsLastContent() throws IOException {
        DeliveryJournal journal = DeliveryJournal.open(journalDir(), mail(), NO_TIMER);
        MaildirStore store = new MaildirStore(mail(), "mx.test", journal);
        Path uidlist = store.inbox(ALICE).resolve("postroom-uidlist");
        Files.createDirectories(uidlist.getParent());
        store.replaceFileDurably(uidlist, "V1 100 2\n1 first\n".getBytes(StandardCharsets.UTF_8));
        store.replaceFileDurably(uidlist, "V1 100 3\n1 first\n2 second\n".getBytes(StandardCharsets.UTF_8));
        assertEquals("V1 100 3\n1 first\n2 second\n", Files.readString(uidlist));
        journal.abandon();
        Files.write(uidlist, new byte[0]); // what a power loss can leave of a file renamed without fsync

        DeliveryJournal reopened = DeliveryJournal.open(journalDir(), mail(), NO_TIMER);
        assertEquals(2, reopened.replayed());
        assertEquals("V1 100 3\n1 first\n2 second\n", Files.readString(uidlist), "the last content wins");
        reopened.close();
    }

    @Test
    void anAppendAndItsUidListShareOneCommitAndBothComeBack() throws IOException {
        DeliveryJournal journal = DeliveryJournal.open(journalDir(), mail(), NO_TIMER);
        MaildirStore store = new MaildirStore(mail(), "mx.test", journal);
        Path folder = store.folder(ALICE, "Sent");
        String name = store.uniqueName(message(1, 800));
        Path target = folder.resolve("cur").resolve(name + ":2,S");
        Path uidlist = folder.resolve("postroom-uidlist");
        store.deliverWithState(target, message(1, 800), uidlist, ("V1 7 2\n1 " + name + "\n").getBytes(StandardCharsets.UTF_8));
        assertArrayEquals(message(1, 800), Files.readAllBytes(target));
        journal.abandon();
        Files.delete(target);
        Files.write(uidlist, new byte[0]);

        DeliveryJournal reopened = DeliveryJournal.open(journalDir(), mail(), NO_TIMER);
        assertEquals(2, reopened.replayed());
        assertArrayEquals(message(1, 800), Files.readAllBytes(target));
        assertEquals("V1 7 2\n1 " + name + "\n", Files.readString(uidlist));
        reopened.close();
    }

    @Test
    void checkpointedDeliveriesAreNotReplayed() throws IOException {
        DeliveryJournal journal = DeliveryJournal.open(journalDir(), mail(), NO_TIMER);
        MaildirStore store = new MaildirStore(mail(), "mx.test", journal);
        Path deleted = store.deliver(ALICE, message(1, 300));
        journal.checkpoint();
        Files.delete(deleted); // the owner deleted it (POP3 DELE) after the checkpoint
        Path after = store.deliver(ALICE, message(2, 300));
        journal.abandon();
        Files.delete(after);

        DeliveryJournal reopened = DeliveryJournal.open(journalDir(), mail(), NO_TIMER);
        assertEquals(1, reopened.replayed());
        assertFalse(Files.exists(deleted));
        assertArrayEquals(message(2, 300), Files.readAllBytes(after));
        reopened.close();
    }

    @Test
    void segmentsAreReusedAndOnlyTheRecordsAfterTheLastCheckpointReplay() throws IOException {
        segmentReuse(true);
    }

    @Test
    void checkpointsWithoutSyncfsFsyncEveryFileIncludingOnesAReaderMovedToCur() throws IOException {
        segmentReuse(false);
    }

    private void segmentReuse(boolean useSyncfs) throws IOException {
        DeliveryJournal journal = DeliveryJournal.open(journalDir(), mail(), NO_TIMER, useSyncfs);
        MaildirStore store = new MaildirStore(mail(), "mx.test", journal);
        List<Path> delivered = new ArrayList<>();
        List<Path> written = new ArrayList<>();
        for (int i = 0; i < 120; i++) { // ≈ 240 KiB through two 64 KiB segments: several rounds of reuse
            Path p = store.deliver(ALICE, message(i, 2000));
            written.add(p);
            if (i % 7 == 0) { // a reader takes some to cur/ before their checkpoint
                Path cur = p.getParent().getParent().resolve("cur").resolve(p.getFileName() + ":2,S");
                Files.move(p, cur);
                p = cur;
            }
            delivered.add(p);
        }
        journal.abandon();
        for (Path p : delivered) {
            Files.delete(p);
        }

        DeliveryJournal reopened = DeliveryJournal.open(journalDir(), mail(), NO_TIMER);
        int replayed = reopened.replayed();
        assertTrue(replayed > 0 && replayed < 60, "replayed " + replayed);
        // Exactly the newest deliveries come back (into new/: every copy was deleted), with their bytes;
        // older ones stay as the owner left them.
        for (int i = 0; i < written.size(); i++) {
            boolean expected = i >= written.size() - replayed;
            assertEquals(expected, Files.exists(written.get(i)), "message " + i);
            if (expected) {
                assertArrayEquals(message(i, 2000), Files.readAllBytes(written.get(i)));
            }
        }
        reopened.close();
    }

    @Test
    void aTornRecordEndsTheReplay() throws IOException {
        DeliveryJournal journal = DeliveryJournal.open(journalDir(), mail(), NO_TIMER);
        MaildirStore store = new MaildirStore(mail(), "mx.test", journal);
        Path first = store.deliver(ALICE, message(1, 400));
        Path second = store.deliver(ALICE, message(2, 400));
        journal.abandon();
        Files.delete(first);
        Files.delete(second);
        // Damage the last byte of the second record (as a write torn by a power loss would).
        Path segment = journalDir().resolve("segment-0.log");
        long firstLength = 24 + mail().relativize(first).toString().length() + 400L;
        long secondEnd = firstLength + 24 + mail().relativize(second).toString().length() + 400L;
        try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {'#'}), secondEnd - 1);
        }

        DeliveryJournal reopened = DeliveryJournal.open(journalDir(), mail(), NO_TIMER);
        assertEquals(1, reopened.replayed());
        assertArrayEquals(message(1, 400), Files.readAllBytes(first));
        assertFalse(Files.exists(second));
        reopened.close();
    }

    @Test
    void concurrentDeliveriesShareCommitsAndAllArrive() throws Exception {
        DeliveryJournal.Options options = new DeliveryJournal.Options(true, 64 * 1024, 2, Duration.ofMillis(50)); // many rolls, backpressure
        DeliveryJournal journal = DeliveryJournal.open(journalDir(), mail(), options);
        MaildirStore store = new MaildirStore(mail(), "mx.test", journal);
        ExecutorService pool = Executors.newFixedThreadPool(16);
        List<Future<Path>> futures = new ArrayList<>();
        for (int i = 0; i < 800; i++) {
            int n = i;
            futures.add(pool.submit(() -> store.deliver(n % 2 == 0 ? ALICE : BOB, message(n, 1500))));
        }
        List<Path> files = Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < futures.size(); i++) {
            Path p = futures.get(i).get();
            assertArrayEquals(message(i, 1500), Files.readAllBytes(p));
            files.add(p);
        }
        pool.shutdown();
        assertEquals(800, files.stream().distinct().count());
        journal.close();
        assertEquals(0, DeliveryJournal.open(journalDir(), mail(), options).replayed());
    }

    @Test
    void deliveriesWithoutWaitingAreWrittenByTheCommitThreadAndSurviveACrash() throws Exception {
        DeliveryJournal journal = DeliveryJournal.open(journalDir(), mail(), NO_TIMER);
        MaildirStore store = new MaildirStore(mail(), "mx.test", journal);
        String caller = Thread.currentThread().getName();
        List<String> writtenOn = Collections.synchronizedList(new ArrayList<>());
        store.watchers().listen(BOB, () -> writtenOn.add(Thread.currentThread().getName()));
        List<java.util.concurrent.CompletableFuture<List<Path>>> started = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            var f = store.deliverWithoutWaiting(List.of(ALICE, BOB), message(i, 900));
            assertTrue(f != null, "room in the segment: no need to wait");
            started.add(f);
        }
        for (int i = 0; i < started.size(); i++) {
            List<Path> files = started.get(i).get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertEquals(2, files.size());
            assertArrayEquals(message(i, 900), Files.readAllBytes(files.get(0)));
            assertArrayEquals(message(i, 900), Files.readAllBytes(files.get(1)));
        }
        assertEquals(6, writtenOn.size());
        assertTrue(writtenOn.stream().noneMatch(caller::equals), "written by the journal's thread: " + writtenOn);
        journal.abandon();

        // A crash after the futures completed: the records were durable, so every copy comes back.
        try (Stream<Path> files = Files.list(store.inbox(ALICE).resolve("new"))) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        }
        DeliveryJournal reopened = DeliveryJournal.open(journalDir(), mail(), NO_TIMER);
        assertEquals(12, reopened.replayed());
        try (Stream<Path> s = Files.list(store.inbox(ALICE).resolve("new"))) {
            assertEquals(6, s.count());
        }
        reopened.close();
    }

    @Test
    void withoutWaitingDeclinesWhereASegmentRollIsDueOrTheJournalIsClosed() throws Exception {
        DeliveryJournal journal = DeliveryJournal.open(journalDir(), mail(), NO_TIMER);
        MaildirStore store = new MaildirStore(mail(), "mx.test", journal);
        // 64 KiB segments: seven 9 KiB records fit, the 8th does not, and rolling forces the segment (a wait).
        int accepted = 0;
        java.util.concurrent.CompletableFuture<List<Path>> f;
        while ((f = store.deliverWithoutWaiting(List.of(ALICE), message(accepted, 9000))) != null) {
            f.get(10, java.util.concurrent.TimeUnit.SECONDS);
            accepted++;
        }
        assertEquals(7, accepted);
        store.deliver(ALICE, message(99, 9000)); // the blocking way rolls the segment
        assertTrue(store.deliverWithoutWaiting(List.of(ALICE), message(100, 9000)) != null, "room again after the roll");
        journal.close();

        assertNull(journal.tryAppend(List.of(store.inbox(ALICE).resolve("new").resolve("x")), message(1, 10)),
                "a closed journal appends nothing");
        try (Stream<Path> s = Files.list(store.inbox(ALICE).resolve("new"))) {
            assertEquals(9, s.count());
        }
    }

    @Test
    void aFailedMaildirWriteIsRedoneByTheCheckpointerAndAFullJournalRefusesUntilThen() throws Exception {
        DeliveryJournal journal = DeliveryJournal.open(journalDir(), mail(), NO_TIMER);
        MaildirStore store = new MaildirStore(mail(), "mx.test", journal);
        String carol = "carol@example.test";
        Path carolInbox = store.inbox(carol);
        Files.createDirectories(carolInbox.getParent());
        Files.writeString(carolInbox, "a file where carol's Maildir should be");
        // The record is durable, the Maildir write fails: the client is told (4xx), the record kept.
        assertThrows(IOException.class, () -> store.deliver(carol, message(1, 500)));

        // The checkpointer cannot complete carol's delivery either, so segments are not freed: once the
        // journal is full, deliveries are refused instead of waiting for ever.
        IOException full = null;
        for (int i = 0; i < 200 && full == null; i++) {
            try {
                store.deliver(ALICE, message(i, 2000));
            } catch (IOException e) {
                full = e;
            }
        }
        assertTrue(full != null && full.getMessage().contains("journal full"), String.valueOf(full));

        Files.delete(carolInbox); // the operator fixes it
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions()
                .until(() -> store.deliver(ALICE, message(999, 100)) != null);
        try (Stream<Path> s = Files.list(carolInbox.resolve("new"))) {
            List<Path> files = s.toList();
            assertEquals(1, files.size());
            assertArrayEquals(message(1, 500), Files.readAllBytes(files.get(0)));
        }
        journal.close();
    }

    @Test
    void largeMessagesBypassTheJournalAndAreFsyncedDirectly() throws IOException {
        DeliveryJournal journal = DeliveryJournal.open(journalDir(), mail(), NO_TIMER);
        MaildirStore store = new MaildirStore(mail(), "mx.test", journal);
        byte[] big = message(1, (int) journal.maxRecordData() + 1);
        Path file = store.deliver(ALICE, big);
        assertArrayEquals(big, Files.readAllBytes(file));
        journal.abandon();
        Files.delete(file);
        assertEquals(0, DeliveryJournal.open(journalDir(), mail(), NO_TIMER).replayed(),
                "a direct delivery has no journal record");
    }
}
