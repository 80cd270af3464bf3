package org.postroom.queue;

import org.postroom.store.MaildirStore;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The durable outbound spool under {@code data-dir/spool/}: per message a body file {@code ID.msg}
 * (CRLF, as received) and an envelope file {@code ID.env} ({@link Envelope}). Thread-safe; every
 * method blocks on file I/O.
 *
 * <p>Durability: the body is written and fsynced first, then the envelope is written to
 * {@code ID.env.tmp}, fsynced and renamed to {@code ID.env}, and the directory fsynced. A body
 * without its envelope is an incomplete entry and is never loaded (and is cleaned up once old).
 * State updates rewrite the envelope the same way, so after a crash each envelope is either the old
 * or the new state: at most the messages in flight are delivered twice.
 *
 * <p>{@link #setListener} is how the queue actor learns of new mail: it is called with each new
 * envelope after {@link #enqueue} made it durable.
 */
public final class FileSpool implements OutboundSpool {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final AtomicLong COUNTER = new AtomicLong();
    private static final Duration ORPHAN_AGE = Duration.ofHours(1);

    private final Path dir;
    private final Clock clock;
    private volatile Consumer<Envelope> listener = e -> { };

    public FileSpool(Path spoolDir, Clock clock) throws IOException {
        this.dir = spoolDir;
        this.clock = clock;
        Files.createDirectories(dir);
    }

    public FileSpool(Path spoolDir) throws IOException {
        this(spoolDir, Clock.systemUTC());
    }

    /** The spool of a data dir: {@code dataDir/spool}. */
    public static FileSpool inDataDir(Path dataDir) throws IOException {
        return new FileSpool(dataDir.resolve("spool"));
    }

    public Path dir() {
        return dir;
    }

    public void setListener(Consumer<Envelope> listener) {
        this.listener = listener == null ? e -> { } : listener;
    }

    @Override
    public String enqueue(String sender, List<String> recipients, byte[] messageCrlf) throws IOException {
        return store(sender, recipients, messageCrlf).id();
    }

    /** As {@link #enqueue}, returning the new envelope. */
    public Envelope store(String sender, List<String> recipients, byte[] messageCrlf) throws IOException {
        if (recipients.isEmpty()) {
            throw new IllegalArgumentException("no recipients");
        }
        String id = newId();
        Instant now = clock.instant();
        List<RecipientState> rs = new ArrayList<>();
        for (String r : recipients) {
            rs.add(RecipientState.pending(r, now));
        }
        Envelope env = new Envelope(id, sender == null ? "" : sender, now, messageCrlf.length, rs);
        writeFsynced(dir.resolve(id + ".msg"), messageCrlf);
        writeEnvelope(env);
        listener.accept(env);
        return env;
    }

    /** Rewrites an envelope atomically (state update). */
    public void writeEnvelope(Envelope env) throws IOException {
        Path tmp = dir.resolve(env.id() + ".env.tmp");
        writeFsynced(tmp, env.encode());
        Path target = dir.resolve(env.id() + ".env");
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
        MaildirStore.fsyncDirectory(dir);
    }

    /** The message body (CRLF). */
    public byte[] readMessage(String id) throws IOException {
        return Files.readAllBytes(dir.resolve(id + ".msg"));
    }

    /**
     * Removes a finished entry: the envelope first, so a crash leaves at most an orphan body. The
     * directory is not fsynced (as Postfix does not fsync a removal): a crash just after can bring the
     * entry back and it is delivered again, never lost. That fsync ran on the queue actor's thread
     * for every delivered message and capped outbound delivery at ~200-700 msg/s (bench/peers.sh).
     */
    public void remove(String id) throws IOException {
        unlink(dir.resolve(id + ".env"));
        unlink(dir.resolve(id + ".msg"));
    }

    /**
     * Deletes a file if it exists, with one system call: {@link Files#deleteIfExists} first stats the
     * path (to tell a directory), which costs as much again for every delivered message.
     */
    private static void unlink(Path file) throws IOException {
        if (!file.toFile().delete() && Files.exists(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException("cannot delete " + file);
        }
    }

    /**
     * Every complete entry on disk. Unreadable envelopes are skipped (logged by the caller through
     * the returned problems list); bodies without envelope older than an hour are deleted.
     */
    public List<Envelope> loadAll(List<String> problems) throws IOException {
        List<Envelope> out = new ArrayList<>();
        Instant orphanBefore = Instant.now().minus(ORPHAN_AGE);
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                try {
                    if (name.endsWith(".env")) {
                        String id = name.substring(0, name.length() - 4);
                        if (!Files.exists(dir.resolve(id + ".msg"))) {
                            problems.add(name + ": body missing");
                            continue;
                        }
                        out.add(Envelope.decode(Files.readAllBytes(p)));
                    } else if (name.endsWith(".msg")) {
                        String id = name.substring(0, name.length() - 4);
                        if (!Files.exists(dir.resolve(id + ".env")) && olderThan(p, orphanBefore)) {
                            Files.deleteIfExists(p);
                        }
                    } else if (name.endsWith(".tmp") && olderThan(p, orphanBefore)) {
                        Files.deleteIfExists(p);
                    }
                } catch (NoSuchFileException e) {
                    // removed concurrently
                } catch (IllegalArgumentException e) {
                    problems.add(name + ": " + e.getMessage());
                }
            }
        }
        out.sort((a, b) -> a.created().compareTo(b.created()));
        return out;
    }

    private static boolean olderThan(Path p, Instant t) throws IOException {
        FileTime m = Files.getLastModifiedTime(p);
        return m.toInstant().isBefore(t);
    }

    private static void writeFsynced(Path file, byte[] bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        }
    }

    private String newId() {
        // Time-ordered, unique within the process and, by the random part, across restarts.
        // Hand-formatted: String.format parses its pattern on every message.
        StringBuilder id = new StringBuilder(23);
        hex(id, clock.millis(), 13);
        hex(id, COUNTER.incrementAndGet() & 0xFFFFFF, 6);
        hex(id, RANDOM.nextInt(0x10000), 4);
        return id.toString();
    }

    /** {@code value} as lower-case hex, zero-padded to {@code digits} (like %0Nx; longer values are not cut). */
    static void hex(StringBuilder out, long value, int digits) {
        String h = Long.toHexString(value);
        for (int i = h.length(); i < digits; i++) {
            out.append('0');
        }
        out.append(h);
    }
}
