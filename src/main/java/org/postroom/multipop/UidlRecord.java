package org.postroom.multipop;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The persisted set of UIDLs already delivered from one source, in {@code data-dir/multipop/<source>.uidl},
 * one UIDL per line. It makes collection idempotent: with {@code leave-on-server} a recorded message is
 * never fetched again, and without it a message delivered but not yet deleted on the server (the
 * connection broke before QUIT) is only deleted next time, not delivered twice.
 *
 * <p>Durability: {@link #add} appends one line and fsyncs (O(1) per message, so large mailboxes stay
 * cheap); {@link #retainOnly} and the clean-up at {@link #open} rewrite the whole file atomically
 * (temp file, fsync, rename, fsync of the directory). A crash in the middle of an append leaves a final
 * line without its LF, which {@link #open} ignores and removes. Blocking; one user at a time per source
 * (the router never runs a source twice at once).
 */
public final class UidlRecord {
    private final Path file;
    private final Set<String> uids;

    private UidlRecord(Path file, Set<String> uids) {
        this.file = file;
        this.uids = uids;
    }

    /** The record file of a source id under {@code dir}: readable, collision-free, file-system safe. */
    public static Path fileFor(Path dir, String sourceId) {
        String safe = sourceId.replaceAll("[^A-Za-z0-9._@+-]", "_");
        if (safe.length() > 100) {
            safe = safe.substring(0, 100);
        }
        return dir.resolve(safe + "-" + shortHash(sourceId) + ".uidl");
    }

    /** Loads (or starts empty) the record of {@code sourceId}; creates {@code dir} if needed. */
    public static UidlRecord open(Path dir, String sourceId) throws IOException {
        Files.createDirectories(dir);
        Path file = fileFor(dir, sourceId);
        Set<String> uids = new LinkedHashSet<>();
        if (Files.exists(file)) {
            byte[] bytes = Files.readAllBytes(file);
            String text = new String(bytes, StandardCharsets.US_ASCII);
            int start = 0;
            int lf;
            while ((lf = text.indexOf('\n', start)) >= 0) {
                String uid = text.substring(start, lf).trim();
                if (!uid.isEmpty()) {
                    uids.add(uid);
                }
                start = lf + 1;
            }
            UidlRecord record = new UidlRecord(file, uids);
            if (start < text.length()) {
                // A torn last append: drop it so the next append starts on a fresh line.
                record.rewrite();
            }
            return record;
        }
        return new UidlRecord(file, uids);
    }

    public Path file() {
        return file;
    }

    public boolean contains(String uid) {
        return uids.contains(uid);
    }

    public Set<String> uids() {
        return Collections.unmodifiableSet(uids);
    }

    /** Records one UIDL durably (append + fsync) before returning. */
    public void add(String uid) throws IOException {
        if (uid.isEmpty() || uid.chars().anyMatch(c -> c < 0x21 || c > 0x7e)) {
            throw new IllegalArgumentException("not a UIDL: \"" + uid + "\"");
        }
        if (!uids.add(uid)) {
            return;
        }
        boolean created = !Files.exists(file);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            ByteBuffer line = ByteBuffer.wrap((uid + "\n").getBytes(StandardCharsets.US_ASCII));
            while (line.hasRemaining()) {
                ch.write(line);
            }
            ch.force(true);
        }
        if (created) {
            org.postroom.store.MaildirStore.fsyncDirectory(file.getParent());
        }
    }

    /** Forgets every UIDL not in {@code onServer} (messages gone from the server) and compacts the file. */
    public void retainOnly(Collection<String> onServer) throws IOException {
        if (uids.retainAll(Set.copyOf(onServer)) || Files.exists(file)) {
            rewrite();
        }
    }

    private void rewrite() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (String uid : uids) {
            sb.append(uid).append('\n');
        }
        org.postroom.store.MaildirStore.replaceFsynced(file, sb.toString().getBytes(StandardCharsets.US_ASCII));
    }

    private static String shortHash(String s) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
