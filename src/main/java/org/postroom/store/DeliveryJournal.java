package org.postroom.store;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;

/**
 * A group-committed write-ahead journal for Maildir deliveries: the reason a {@code 250} costs one
 * {@code fdatasync} shared by every session delivering at that moment instead of two ordered journal
 * commits of the filesystem per message (file fsync, then directory fsync after the rename).
 *
 * <p>A delivery appends a record (the file's path under the mail root and its bytes) to the current
 * segment, a preallocated file overwritten in place, so its {@code fdatasync} writes data and flushes the
 * disk cache without a filesystem journal commit; concurrent deliveries share that call (a leader syncs
 * for every record appended before it started). Only then is the message written into the Maildir, without
 * fsyncs: tmp/ and a rename into new/. A checkpointer thread later makes those files durable for a whole
 * segment at once ({@code syncfs} through {@code sync -f}, or an fsync per file where that is missing),
 * records the segment's generation as checkpointed, and reuses the segment.
 *
 * <p>After a crash, {@link #open} replays every record newer than the checkpoint: a file missing from
 * both new/ and cur/ (or whose bytes differ, such as a file the crash left empty) is written again, then
 * fsynced. So a message acknowledged with a 250 is never lost; one deleted or moved by its owner in the
 * last second or so before a crash can come back (at least once, as with any MTA's queue).
 *
 * <p>Record: magic, generation, path length, data length, CRC-32C of the rest, path (UTF-8), data. A
 * segment holds the records of one generation from offset 0; a scan stops at the first record that is
 * torn, or from an older use of the file (an older generation). Thread-safe.
 */
public final class DeliveryJournal implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DeliveryJournal.class);
    private static final int MAGIC = 0x50524a31; // "PRJ1": a message for a Maildir (new/ or cur/)
    private static final int MAGIC_FILE = 0x50524a32; // "PRJ2": the whole new content of a small state file
    private static final int HEADER = 4 + 8 + 4 + 4 + 4;

    /** Tuning of the journal ({@code postroom.store.journal.*}). */
    public record Options(boolean enabled, long segmentSize, int segments, Duration checkpointInterval) {
        public static Options defaults() {
            return new Options(true, 16L * 1024 * 1024, 4, Duration.ofSeconds(1));
        }

        /** Reads {@code postroom.store.journal.*} of the whole config; missing keys take the defaults. */
        public static Options from(com.typesafe.config.Config root) {
            Options d = defaults();
            String base = "postroom.store.journal.";
            try {
                boolean enabled = root.hasPath(base + "enabled") ? root.getBoolean(base + "enabled") : d.enabled();
                long size = root.hasPath(base + "segment-size") ? root.getBytes(base + "segment-size") : d.segmentSize();
                int count = root.hasPath(base + "segments") ? root.getInt(base + "segments") : d.segments();
                Duration interval = root.hasPath(base + "checkpoint-interval")
                        ? root.getDuration(base + "checkpoint-interval") : d.checkpointInterval();
                if (size < 64 * 1024 || size > (1L << 30)) {
                    throw new org.postroom.config.ConfigError("store.journal.segment-size",
                            "must be between 64 KiB and 1 GiB, got " + size);
                }
                if (count < 2 || count > 64) {
                    throw new org.postroom.config.ConfigError("store.journal.segments", "must be 2 to 64, got " + count);
                }
                if (interval.isNegative() || interval.isZero()) {
                    throw new org.postroom.config.ConfigError("store.journal.checkpoint-interval", "must be positive");
                }
                return new Options(enabled, size, count, interval);
            } catch (com.typesafe.config.ConfigException e) {
                throw new org.postroom.config.ConfigError("store.journal", e.getMessage());
            }
        }
    }

    /** A record appended but not yet materialized: pass it back to {@link #materialized}. */
    public static final class Receipt {
        private final Segment segment;
        private final long sequence;

        private Receipt(Segment segment, long sequence) {
            this.segment = segment;
            this.sequence = sequence;
        }
    }

    private static final class Segment {
        final int index;
        final Path path;
        final FileChannel channel;
        long generation;
        long position;
        int pending;
        boolean failed;
        long startedNanos;
        boolean ready;
        final List<Path> written = new ArrayList<>();

        Segment(int index, Path path, FileChannel channel) {
            this.index = index;
            this.path = path;
            this.channel = channel;
        }
    }

    private final Path dir;
    private final Path mailRoot;
    private final Options options;
    private final boolean syncfs;
    private final Segment[] segments;

    // Appending: current segment, free and sealed segments, the sequence of the last record.
    private final Object appendLock = new Object();
    private final ArrayDeque<Segment> free = new ArrayDeque<>();
    private final ArrayDeque<Segment> sealed = new ArrayDeque<>();
    private Segment current;
    private boolean rolling;
    private long lastAppendNanos = System.nanoTime();
    private boolean checkpointRequested;
    private long lastGeneration;
    private long appendedSequence;
    private boolean closed;
    private IOException checkpointFailure;

    // Group commit.
    private final Object syncLock = new Object();
    private long durableSequence;
    private boolean syncing;

    private final Thread checkpointer;

    // Commits for callers that do not wait (SMTP sessions on a selector thread): the commit thread
    // syncs for them and completes their futures, so their continuations run there.
    private record DurableWaiter(long sequence, CompletableFuture<Void> done) {}

    private final Object commitLock = new Object();
    private final ArrayDeque<DurableWaiter> durableWaiters = new ArrayDeque<>();
    private boolean committerIdle;
    private boolean committerStopped;
    private final Thread committer;

    // Counters for /metrics: records per commit shows how much the group commit shares.
    private final java.util.concurrent.atomic.AtomicLong recordCount = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong commitCount = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong checkpointCount = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong stallNanos = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong checkpointNanos = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong commitNanos = new java.util.concurrent.atomic.AtomicLong();

    private DeliveryJournal(Path dir, Path mailRoot, Options options, boolean syncfs, Segment[] segments,
                            long lastGeneration) throws IOException {
        this.dir = dir;
        this.mailRoot = mailRoot.toAbsolutePath().normalize();
        this.options = options;
        this.syncfs = syncfs;
        this.segments = segments;
        this.lastGeneration = lastGeneration;
        for (Segment s : segments) {
            free.add(s);
        }
        this.current = startSegment(free.poll());
        this.checkpointer = new Thread(this::checkpointLoop, "postroom-journal-checkpoint");
        checkpointer.setDaemon(true);
        checkpointer.start();
        this.committer = new Thread(this::commitLoop, "postroom-journal-commit");
        committer.setDaemon(true);
        committer.start();
        if (java.util.Arrays.stream(segments).anyMatch(seg -> !seg.ready)) {
            Thread ahead = new Thread(this::preallocateAhead, "postroom-journal-preallocate");
            ahead.setDaemon(true);
            ahead.start();
        }
    }

    /**
     * On a first start, the other segments are preallocated in the background right away: preallocated at
     * their first use instead, each would stall every delivery for the 16 MiB write (measured: the first
     * 64 MiB of mail went in at half the rate of the rest).
     */
    private void preallocateAhead() {
        try {
            for (Segment s : segments) {
                synchronized (s) {
                    if (!s.ready && !closed) {
                        preallocate(s.channel, options.segmentSize());
                        s.ready = true;
                    }
                }
            }
            MaildirStore.fsyncDirectory(dir);
        } catch (IOException e) {
            // Left to startSegment, which preallocates a segment that is not ready at its first use.
            LOG.debug("journal: preallocating ahead: {}", e.toString());
        }
    }

    /**
     * Opens (creating and preallocating on first use) the journal in {@code dir} for the Maildirs under
     * {@code mailRoot}, after replaying what an earlier run left un-checkpointed. Returns how many records
     * were replayed through {@link #replayed()}.
     */
    public static DeliveryJournal open(Path dir, Path mailRoot, Options options) throws IOException {
        return open(dir, mailRoot, options, true);
    }

    /** As above; {@code useSyncfs = false} makes checkpoints fsync file by file (tests of that path). */
    static DeliveryJournal open(Path dir, Path mailRoot, Options options, boolean useSyncfs) throws IOException {
        mailRoot = mailRoot.toAbsolutePath().normalize();
        if (options.segments() < 2) {
            throw new IllegalArgumentException("a journal needs at least 2 segments");
        }
        Files.createDirectories(dir);
        Files.createDirectories(mailRoot);
        Segment[] segments = new Segment[options.segments()];
        for (int i = 0; i < segments.length; i++) {
            Path p = dir.resolve("segment-" + i + ".log");
            FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            segments[i] = new Segment(i, p, ch);
            // Preallocated when first used, so a first start writes one segment, not all of them.
            segments[i].ready = ch.size() >= options.segmentSize();
        }
        long checkpoint = readCheckpoint(dir);
        Recovery recovery = recover(segments, checkpoint, mailRoot);
        if (recovery.replayed > 0) {
            LOG.warn("journal: replayed {} deliveries not yet checkpointed (an unclean stop), {} files rewritten",
                    recovery.replayed, recovery.rewritten);
        }
        if (recovery.maxGeneration > checkpoint) {
            writeCheckpoint(dir, recovery.maxGeneration);
        }
        boolean syncfs = useSyncfs && runSyncfs(mailRoot);
        LOG.debug("journal: checkpoints by {}", syncfs ? "syncfs (sync -f)" : "an fsync per file");
        DeliveryJournal journal = new DeliveryJournal(dir, mailRoot, options, syncfs, segments,
                Math.max(checkpoint, recovery.maxGeneration));
        journal.replayed = recovery.replayed;
        return journal;
    }

    private int replayed;

    /** Records replayed by {@link #open} (0 after a clean stop). */
    public int replayed() {
        return replayed;
    }

    /** Registers postroom_journal_{records,commits,checkpoints}_total and postroom_journal_replayed. */
    public void bindMetrics(io.micrometer.core.instrument.MeterRegistry registry) {
        io.micrometer.core.instrument.FunctionCounter.builder("postroom.journal.records", recordCount,
                java.util.concurrent.atomic.AtomicLong::get)
                .description("Deliveries appended to the journal").register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("postroom.journal.commits", commitCount,
                java.util.concurrent.atomic.AtomicLong::get)
                .description("Journal fdatasyncs (group commits); records / commits = deliveries per fsync")
                .register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("postroom.journal.checkpoints", checkpointCount,
                java.util.concurrent.atomic.AtomicLong::get)
                .description("Journal segments checkpointed (their Maildir files synced) and reused").register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("postroom.journal.commit.seconds", commitNanos,
                n -> n.get() / 1e9).description("Time spent in the journal's fdatasyncs").register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("postroom.journal.checkpoint.seconds", checkpointNanos,
                n -> n.get() / 1e9).description("Time spent making checkpointed segments' Maildir files durable")
                .register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("postroom.journal.stall.seconds", stallNanos,
                n -> n.get() / 1e9).description("Time deliveries waited for a free segment (checkpoints behind)")
                .register(registry);
        io.micrometer.core.instrument.Gauge.builder("postroom.journal.replayed", this, j -> j.replayed)
                .description("Deliveries replayed from the journal at start (non-zero after an unclean stop)")
                .register(registry);
    }

    /** The largest message this journal takes; larger ones go the direct, fsynced way. */
    public long maxRecordData() {
        return options.segmentSize() / 4;
    }

    /**
     * Appends a delivery of {@code data} to {@code target} (a path under the mail root) without waiting.
     * Follow with {@link #awaitDurable}, then write the file, then {@link #materialized}.
     */
    public Receipt append(Path target, byte[] data) throws IOException {
        return append(MAGIC, target, data);
    }

    /**
     * Appends the whole new content of a small state file (an IMAP folder's UID list): replayed after a
     * crash by writing the content of the file's last record. Same protocol as {@link #append}.
     */
    public Receipt appendFile(Path target, byte[] content) throws IOException {
        return append(MAGIC_FILE, target, content);
    }

    /** Whether {@code file} lies under the mail root (only such files can be journaled). */
    public boolean covers(Path file) {
        return file.toAbsolutePath().normalize().startsWith(mailRoot);
    }

    private Receipt append(int magic, Path target, byte[] data) throws IOException {
        byte[] path = recordPath(target);
        int length = HEADER + path.length + data.length;
        if (data.length > maxRecordData()) {
            throw new IllegalArgumentException("record larger than " + maxRecordData() + " bytes");
        }
        synchronized (appendLock) {
            awaitCurrent();
            if (current.position + length > options.segmentSize()) {
                roll();
            }
            return writeRecord(magic, path, data);
        }
    }

    /**
     * Appends one message record per target, like {@link #append}, or returns null (appending nothing) where
     * that would wait: a segment roll is due (it forces the old segment and may wait for a free one) or
     * the journal is closed. A selector thread appends this way and falls back to a blocking thread.
     */
    public List<Receipt> tryAppend(List<Path> targets, byte[] data) throws IOException {
        if (data.length > maxRecordData()) {
            throw new IllegalArgumentException("record larger than " + maxRecordData() + " bytes");
        }
        List<byte[]> paths = new ArrayList<>(targets.size());
        long length = 0;
        for (Path target : targets) {
            byte[] path = recordPath(target);
            paths.add(path);
            length += HEADER + path.length + data.length;
        }
        synchronized (appendLock) {
            if (closed || rolling || current == null || current.position + length > options.segmentSize()) {
                return null;
            }
            List<Receipt> receipts = new ArrayList<>(paths.size());
            for (byte[] path : paths) {
                receipts.add(writeRecord(MAGIC, path, data));
            }
            return receipts;
        }
    }

    /** The target's path under the mail root, as a record stores it. */
    private byte[] recordPath(Path target) {
        Path absolute = target.toAbsolutePath().normalize();
        if (!absolute.startsWith(mailRoot)) {
            throw new IllegalArgumentException(target + " is not under the mail root " + mailRoot);
        }
        return mailRoot.relativize(absolute).toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Caller holds appendLock, and the current segment has room for the record. */
    private Receipt writeRecord(int magic, byte[] path, byte[] data) throws IOException {
        Segment s = current;
        ByteBuffer record = encode(magic, s.generation, path, data);
        long at = s.position;
        while (record.hasRemaining()) {
            at += s.channel.write(record, at);
        }
        s.position = at;
        s.pending++;
        lastAppendNanos = System.nanoTime();
        recordCount.incrementAndGet();
        return new Receipt(s, ++appendedSequence);
    }

    /**
     * A future completed once the receipt's record is on disk, by the journal's commit thread (which then
     * runs what depends on it), or exceptionally if the commit fails. The way to wait without a thread.
     */
    public CompletableFuture<Void> whenDurable(Receipt receipt) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        synchronized (syncLock) {
            if (durableSequence >= receipt.sequence) {
                done.complete(null);
                return done;
            }
        }
        synchronized (commitLock) {
            if (committerStopped) {
                done.completeExceptionally(new IOException("journal closed"));
                return done;
            }
            durableWaiters.add(new DurableWaiter(receipt.sequence, done));
            if (committerIdle) {
                committerIdle = false;
                commitLock.notify();
            }
        }
        return done;
    }

    /** The commit thread: one group commit for every waiter so far, then their futures, in order. */
    private void commitLoop() {
        while (true) {
            long highest = 0;
            synchronized (commitLock) {
                while (durableWaiters.isEmpty()) {
                    if (committerStopped) {
                        return;
                    }
                    committerIdle = true;
                    try {
                        commitLock.wait();
                    } catch (InterruptedException e) {
                        committerStopped = true;
                    }
                }
                committerIdle = false;
                for (DurableWaiter w : durableWaiters) {
                    highest = Math.max(highest, w.sequence());
                }
            }
            Exception failure = null;
            try {
                awaitDurable(new Receipt(null, highest));
            } catch (IOException | RuntimeException e) {
                failure = e;
            }
            long durable;
            synchronized (syncLock) {
                durable = durableSequence;
            }
            List<DurableWaiter> ready = new ArrayList<>();
            synchronized (commitLock) {
                for (var it = durableWaiters.iterator(); it.hasNext(); ) {
                    DurableWaiter w = it.next();
                    if (w.sequence() <= durable || (failure != null && w.sequence() <= highest)) {
                        ready.add(w);
                        it.remove();
                    }
                }
            }
            for (DurableWaiter w : ready) {
                if (w.sequence() <= durable) {
                    w.done().complete(null);
                } else {
                    w.done().completeExceptionally(failure);
                }
            }
        }
    }

    /** Stops the commit thread once it has answered every waiter (fails them if the journal is gone). */
    private void stopCommitter(boolean interrupt) {
        synchronized (commitLock) {
            committerStopped = true;
            commitLock.notifyAll();
        }
        if (interrupt) {
            committer.interrupt();
        }
        try {
            committer.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Returns once the record is on disk (group commit: one fdatasync for all records appended so far). */
    public void awaitDurable(Receipt receipt) throws IOException {
        synchronized (syncLock) {
            while (true) {
                if (durableSequence >= receipt.sequence) {
                    return;
                }
                if (!syncing) {
                    syncing = true;
                    break;
                }
                try {
                    syncLock.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted waiting for the journal");
                }
            }
        }
        long target;
        FileChannel channel;
        synchronized (appendLock) {
            // Records of older segments were forced when their segment was sealed (and with no current
            // segment, a roll is waiting for a free one: everything appended is in sealed segments).
            target = appendedSequence;
            channel = current == null ? null : current.channel;
        }
        boolean ok = false;
        try {
            if (channel != null) {
                long t0 = System.nanoTime();
                channel.force(false);
                commitNanos.addAndGet(System.nanoTime() - t0);
                commitCount.incrementAndGet();
            }
            ok = true;
        } finally {
            synchronized (syncLock) {
                if (ok) {
                    durableSequence = Math.max(durableSequence, target);
                }
                syncing = false;
                syncLock.notifyAll();
            }
        }
    }

    /** Reports that the receipt's file is written (or failed to be: the checkpointer then rewrites it). */
    public void materialized(Receipt receipt, Path file, boolean ok) {
        synchronized (appendLock) {
            Segment s = receipt.segment;
            s.pending--;
            if (ok) {
                s.written.add(file);
            } else {
                s.failed = true;
            }
            if (s.pending == 0 && s != current) {
                appendLock.notifyAll();
            }
        }
    }

    /** Seals the current segment (if it holds records) and waits until everything sealed is checkpointed. */
    public void checkpoint() throws IOException {
        synchronized (appendLock) {
            awaitCurrent();
            if (current.position > 0) {
                roll();
            }
            checkpointRequested = true;
            while (!sealed.isEmpty()) {
                if (checkpointFailure != null) {
                    throw checkpointFailure;
                }
                appendLock.notifyAll();
                try {
                    appendLock.wait(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted waiting for a checkpoint");
                }
            }
        }
    }

    /** A final checkpoint, then the files are closed. A second call does nothing. */
    @Override
    public void close() throws IOException {
        synchronized (appendLock) {
            if (closed) {
                return;
            }
        }
        try {
            checkpoint();
        } finally {
            synchronized (appendLock) {
                closed = true;
                appendLock.notifyAll();
            }
            stopCommitter(false);
            try {
                checkpointer.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            for (Segment s : segments) {
                s.channel.close();
            }
        }
    }

    /** Tests: stop like a kill -9 would, without the final checkpoint. */
    void abandon() throws IOException {
        synchronized (appendLock) {
            closed = true;
            appendLock.notifyAll();
        }
        checkpointer.interrupt();
        stopCommitter(true);
        try {
            checkpointer.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Segment s : segments) {
            s.channel.close();
        }
    }

    // --- appending ---

    /** Caller holds appendLock: returns with a current segment (starting one if a roll left none). */
    private void awaitCurrent() throws IOException {
        while (current == null) {
            if (closed) {
                throw new IOException("journal closed");
            }
            if (!rolling) {
                startNext();
            } else {
                try {
                    appendLock.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted waiting for a free journal segment");
                }
            }
        }
        if (closed) {
            throw new IOException("journal closed");
        }
    }

    /** Caller holds appendLock and a current segment: forces and seals it, then starts the next free one. */
    private void roll() throws IOException {
        Segment old = current;
        old.channel.force(false);
        current = null;
        long through = appendedSequence;
        synchronized (syncLock) {
            durableSequence = Math.max(durableSequence, through);
            syncLock.notifyAll();
        }
        sealed.add(old);
        appendLock.notifyAll();
        startNext();
    }

    /** Caller holds appendLock and no current segment. Waits for a free segment (backpressure) and starts it. */
    private void startNext() throws IOException {
        rolling = true;
        long waitStart = System.nanoTime();
        try {
            while (free.isEmpty()) {
                if (closed) {
                    throw new IOException("journal closed");
                }
                if (checkpointFailure != null) {
                    // Full and the checkpoints fail (a full disk, say): refuse (the client gets a 4xx and
                    // retries) rather than leave every delivery waiting.
                    throw new IOException("delivery journal full, checkpoints failing: " + checkpointFailure.getMessage(),
                            checkpointFailure);
                }
                try {
                    appendLock.wait(); // the checkpointer is behind
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted waiting for a free journal segment");
                }
            }
            stallNanos.addAndGet(System.nanoTime() - waitStart);
            Segment next = free.poll();
            try {
                current = startSegment(next);
            } catch (IOException e) {
                free.addFirst(next);
                throw e;
            }
        } finally {
            rolling = false;
            appendLock.notifyAll();
        }
    }

    private Segment startSegment(Segment s) throws IOException {
        synchronized (s) { // preallocateAhead may be at it
            if (!s.ready) {
                preallocate(s.channel, options.segmentSize());
                MaildirStore.fsyncDirectory(dir);
                s.ready = true;
            }
        }
        s.generation = ++lastGeneration;
        s.position = 0;
        s.pending = 0;
        s.failed = false;
        s.written.clear();
        s.startedNanos = System.nanoTime();
        return s;
    }

    private static ByteBuffer encode(int magic, long generation, byte[] path, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(HEADER + path.length + data.length).order(ByteOrder.BIG_ENDIAN);
        b.putInt(magic).putLong(generation).putInt(path.length).putInt(data.length);
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 4, 16);
        crc.update(path);
        crc.update(data);
        b.putInt((int) crc.getValue());
        b.put(path).put(data);
        return b.flip();
    }

    // --- checkpointing ---

    private void checkpointLoop() {
        long intervalNanos = options.checkpointInterval().toNanos();
        while (true) {
            List<Segment> batch = new ArrayList<>();
            synchronized (appendLock) {
                while (true) {
                    if (closed && sealed.isEmpty()) {
                        return;
                    }
                    // Checkpoints (a syncfs) compete with the deliveries' fdatasyncs for the disk, so they
                    // wait for a pause in deliveries, unless segments run short, one was asked for, or the
                    // oldest record is 30 intervals old (the crash window stays bounded).
                    long now = System.nanoTime();
                    boolean quiet = now - lastAppendNanos >= intervalNanos;
                    long oldest = !sealed.isEmpty() ? sealed.peekFirst().startedNanos
                            : current != null && current.position > 0 ? current.startedNanos : now;
                    boolean due = quiet || checkpointRequested || free.size() <= 1
                            || now - oldest >= 30 * intervalNanos;
                    // (Never waiting for a free segment here: this thread is the one that frees them.)
                    if (due && current != null && current.position > 0 && !free.isEmpty()
                            && (quiet || checkpointRequested || now - oldest >= 30 * intervalNanos)) {
                        try {
                            roll();
                        } catch (IOException e) {
                            LOG.error("journal: cannot seal a segment: {}", e.toString());
                        }
                    }
                    if (due) {
                        for (Segment s : sealed) {
                            if (s.pending > 0) {
                                break;
                            }
                            batch.add(s);
                        }
                    }
                    if (!batch.isEmpty()) {
                        break;
                    }
                    try {
                        appendLock.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(intervalNanos) / 4));
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
            try {
                long t0 = System.nanoTime();
                makeDurable(batch);
                checkpointNanos.addAndGet(System.nanoTime() - t0);
                writeCheckpoint(dir, batch.get(batch.size() - 1).generation);
                checkpointCount.addAndGet(batch.size());
                synchronized (appendLock) {
                    for (Segment s : batch) {
                        sealed.remove(s);
                        free.add(s);
                    }
                    if (sealed.isEmpty()) {
                        checkpointRequested = false;
                    }
                    checkpointFailure = null;
                    appendLock.notifyAll();
                }
            } catch (IOException | RuntimeException e) {
                LOG.error("journal: checkpoint failed, will retry: {}", e.toString());
                synchronized (appendLock) {
                    checkpointFailure = e instanceof IOException io ? io : new IOException(e);
                    appendLock.notifyAll();
                    try {
                        appendLock.wait(1000);
                    } catch (InterruptedException ie) {
                        return;
                    }
                }
            }
        }
    }

    /** Makes the Maildir files of the sealed segments durable; rewrites any whose write failed. */
    private void makeDurable(List<Segment> batch) throws IOException {
        List<Path> rewritten = new ArrayList<>();
        for (Segment s : batch) {
            if (s.failed) {
                // Re-read the segment: every record's file must exist with its bytes before the checkpoint.
                for (Record r : scan(s.channel, s.generation - 1)) {
                    Path f = ensureMaterialized(mailRoot, r, null);
                    if (f != null) {
                        rewritten.add(f);
                    }
                }
            }
        }
        if (syncfs && rewritten.isEmpty() && runSyncfs(mailRoot)) {
            return;
        }
        Set<Path> dirs = new LinkedHashSet<>();
        for (Segment s : batch) {
            for (Path f : s.written) {
                fsyncIfPresent(f, dirs);
            }
        }
        for (Path f : rewritten) {
            fsyncIfPresent(f, dirs);
        }
        for (Path d : dirs) {
            MaildirStore.fsyncDirectory(d);
        }
    }

    private static void fsyncIfPresent(Path file, Set<Path> dirs) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ch.force(true);
            dirs.add(file.getParent());
        } catch (NoSuchFileException e) {
            // A reader moved it to cur/ (with flags) or deleted it already.
            Path maildir = file.getParent().getParent();
            Path moved = inCur(maildir, baseName(file), null);
            if (moved != null) {
                try (FileChannel ch = FileChannel.open(moved, StandardOpenOption.READ)) {
                    ch.force(true);
                    dirs.add(moved.getParent());
                } catch (NoSuchFileException gone) {
                    // deleted meanwhile
                }
            }
        }
    }

    /**
     * {@code sync -f} (syncfs(2): one call makes every written file of the filesystem durable); false where
     * it is missing or fails (the first call at open decides whether checkpoints use it at all).
     */
    private static boolean runSyncfs(Path path) {
        try {
            Process p = new ProcessBuilder("sync", "-f", path.toString()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return false;
            }
            return p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    // --- checkpoint file ---

    private static long readCheckpoint(Path dir) throws IOException {
        Path f = dir.resolve("checkpoint");
        if (!Files.exists(f)) {
            return 0;
        }
        String s = Files.readString(f, StandardCharsets.US_ASCII).trim();
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new IOException("journal checkpoint " + f + " is damaged: \"" + s + "\"");
        }
    }

    private static void writeCheckpoint(Path dir, long generation) throws IOException {
        Path tmp = dir.resolve("checkpoint.tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(ByteBuffer.wrap((generation + "\n").getBytes(StandardCharsets.US_ASCII)));
            ch.force(true);
        }
        Files.move(tmp, dir.resolve("checkpoint"), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        MaildirStore.fsyncDirectory(dir);
    }

    private static void preallocate(FileChannel ch, long size) throws IOException {
        // Real zero blocks, not a sparse file: overwriting them later needs no metadata commit.
        ByteBuffer zeros = ByteBuffer.allocate(1 << 20);
        for (long at = 0; at < size; ) {
            zeros.clear();
            if (size - at < zeros.capacity()) {
                zeros.limit((int) (size - at));
            }
            at += ch.write(zeros, at);
        }
        ch.force(true);
    }

    // --- recovery ---

    record Record(boolean wholeFile, long generation, String path, byte[] data) {}

    private record Recovery(int replayed, int rewritten, long maxGeneration) {}

    private static Recovery recover(Segment[] segments, long checkpoint, Path mailRoot) throws IOException {
        long maxGeneration = checkpoint;
        List<Record> records = new ArrayList<>();
        for (Segment s : segments) {
            List<Record> found = scan(s.channel, checkpoint);
            if (!found.isEmpty()) {
                maxGeneration = Math.max(maxGeneration, found.get(0).generation());
                records.addAll(found);
            }
            long first = firstGeneration(s.channel);
            maxGeneration = Math.max(maxGeneration, first);
        }
        records.sort(Comparator.comparingLong(Record::generation)); // stable: order within a segment kept
        Map<Path, Map<String, Path>> curIndex = new HashMap<>();
        Set<Path> dirs = new LinkedHashSet<>();
        int rewritten = 0;
        for (Record r : records) {
            Path f = ensureMaterialized(mailRoot, r, curIndex);
            if (f != null) {
                rewritten++;
                fsyncIfPresent(f, dirs);
            }
        }
        for (Path d : dirs) {
            MaildirStore.fsyncDirectory(d);
        }
        return new Recovery(records.size(), rewritten, maxGeneration);
    }

    /** The records of one segment newer than {@code after}, up to the first torn or stale one. */
    static List<Record> scan(FileChannel ch, long after) throws IOException {
        List<Record> out = new ArrayList<>();
        long size = ch.size();
        long at = 0;
        long generation = -1;
        ByteBuffer header = ByteBuffer.allocate(HEADER);
        while (at + HEADER <= size) {
            header.clear();
            readFully(ch, header, at);
            header.flip();
            int magic = header.getInt();
            if (magic != MAGIC && magic != MAGIC_FILE) {
                break;
            }
            long gen = header.getLong();
            int pathLength = header.getInt();
            int dataLength = header.getInt();
            int crc = header.getInt();
            if (gen <= after || (generation >= 0 && gen != generation) || pathLength <= 0 || pathLength > 4096
                    || dataLength < 0 || at + HEADER + (long) pathLength + dataLength > size) {
                break;
            }
            ByteBuffer body = ByteBuffer.allocate(pathLength + dataLength);
            readFully(ch, body, at + HEADER);
            CRC32C c = new CRC32C();
            c.update(header.array(), 4, 16);
            c.update(body.array(), 0, body.capacity());
            if ((int) c.getValue() != crc) {
                break;
            }
            generation = gen;
            String path = new String(body.array(), 0, pathLength, StandardCharsets.UTF_8);
            out.add(new Record(magic == MAGIC_FILE, gen, path,
                    Arrays.copyOfRange(body.array(), pathLength, body.capacity())));
            at += HEADER + pathLength + dataLength;
        }
        return out;
    }

    private static long firstGeneration(FileChannel ch) throws IOException {
        if (ch.size() < HEADER) {
            return 0;
        }
        ByteBuffer header = ByteBuffer.allocate(12);
        readFully(ch, header, 0);
        header.flip();
        int magic = header.getInt();
        return magic == MAGIC || magic == MAGIC_FILE ? Math.max(0, header.getLong()) : 0;
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long at) throws IOException {
        while (b.hasRemaining()) {
            int n = ch.read(b, at + b.position());
            if (n < 0) {
                break;
            }
        }
    }

    /**
     * Makes sure the record's message is in its Maildir: as written (in new/), or moved to cur/ by a reader
     * (same base name with flags), with the record's bytes. Returns the file it (re)wrote, or null if it was
     * already right.
     */
    private static Path ensureMaterialized(Path mailRoot, Record r, Map<Path, Map<String, Path>> curIndex)
            throws IOException {
        Path target = mailRoot.resolve(r.path()).normalize();
        if (!target.startsWith(mailRoot.normalize())) {
            throw new IOException("journal record points outside the mail root: " + r.path());
        }
        if (r.wholeFile()) {
            if (Files.exists(target) && sameContent(target, r.data())) {
                return null;
            }
            Files.createDirectories(target.getParent());
            Path tmp = target.resolveSibling(target.getFileName() + ".replay");
            Files.write(tmp, r.data());
            Files.move(tmp, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            return target;
        }
        Path maildir = target.getParent().getParent();
        String base = baseName(target);
        Path existing = Files.exists(target) ? target : inCur(maildir, base, curIndex);
        if (existing != null && sameContent(existing, r.data())) {
            return null;
        }
        Path file = existing != null ? existing : target;
        MaildirStore.ensureMaildir(maildir);
        Path tmp = maildir.resolve("tmp").resolve(base + ".replay");
        Files.write(tmp, r.data());
        Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return file;
    }

    private static Path inCur(Path maildir, String base, Map<Path, Map<String, Path>> curIndex) throws IOException {
        Path cur = maildir.resolve("cur");
        if (!Files.isDirectory(cur)) {
            return null;
        }
        if (curIndex == null) {
            try (var files = Files.list(cur)) {
                return files.filter(p -> baseName(p).equals(base)).findFirst().orElse(null);
            }
        }
        Map<String, Path> index = curIndex.get(cur);
        if (index == null) {
            index = new HashMap<>();
            try (var files = Files.list(cur)) {
                for (Path p : (Iterable<Path>) files::iterator) {
                    index.put(baseName(p), p);
                }
            }
            curIndex.put(cur, index);
        }
        return index.get(base);
    }

    private static String baseName(Path p) {
        String n = p.getFileName().toString();
        int colon = n.indexOf(':');
        return colon < 0 ? n : n.substring(0, colon);
    }

    private static boolean sameContent(Path file, byte[] data) throws IOException {
        if (Files.size(file) != data.length) {
            return false;
        }
        return Arrays.equals(Files.readAllBytes(file), data);
    }
}
