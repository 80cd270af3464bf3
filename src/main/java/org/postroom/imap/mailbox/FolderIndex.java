package org.postroom.imap.mailbox;

import org.postroom.store.MaildirStore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The IMAP view of one Maildir folder, shared by every session of the process that opens it (see
 * {@link MailboxRegistry}); all methods are synchronized and block on file I/O, so sessions call them
 * from blocking work only.
 *
 * <p>It owns the folder's {@value #UIDLIST} file: UIDVALIDITY, UIDNEXT, and one line per message
 * (UID, Maildir base name, keywords), rewritten atomically (temp file + rename). {@link #refresh()}
 * scans {@code new/} and {@code cur/}: a message found for the first time gets the next UID, moves
 * from {@code new/} to {@code cur/} and is \Recent for the first session that claims it; a message
 * gone from disk (expunged elsewhere, or taken by POP3) is dropped; flags changed in a file name by
 * another program are picked up. Flags are kept in the file name's info suffix.
 */
public final class FolderIndex {
    public static final String UIDLIST = "postroom-uidlist";
    private static final AtomicLong LAST_VALIDITY = new AtomicLong();

    private final Path dir;
    private boolean loaded;
    private long uidValidity;
    private long uidNext = 1;
    private final TreeMap<Long, Entry> byUid = new TreeMap<>();
    private final Map<String, Long> uidByBase = new HashMap<>();
    private final Set<Long> unclaimedRecent = new TreeSet<>();
    /** Bumped on every change a session could see (messages, flags), so an unchanged folder costs no diff. */
    private long version;

    private static final class Entry {
        final long uid;
        final String base;
        String fileName;
        String subdir;
        String info;
        Set<String> keywords = new LinkedHashSet<>();
        long size = -1;
        long internalDate = -1;

        Entry(long uid, String base) {
            this.uid = uid;
            this.base = base;
        }
    }

    public FolderIndex(Path dir) {
        this(dir, null);
    }

    /**
     * @param store makes the UID list durable (through its delivery journal when it has one); null: a
     *              store without a journal, so every write is fsynced on its own
     */
    public FolderIndex(Path dir, org.postroom.store.MaildirStore store) {
        this.dir = dir;
        this.store = store != null ? store : new org.postroom.store.MaildirStore(dir, "localhost");
    }

    private final org.postroom.store.MaildirStore store;

    public Path dir() {
        return dir;
    }

    public synchronized long uidValidity() throws IOException {
        load();
        return uidValidity;
    }

    public synchronized long uidNext() throws IOException {
        load();
        return uidNext;
    }

    /** A number that changes whenever messages or flags change. */
    public synchronized long version() {
        return version;
    }

    /** True when the folder's Maildir exists. */
    public boolean exists() {
        return Files.isDirectory(dir.resolve("cur"));
    }

    private void load() throws IOException {
        if (loaded) {
            return;
        }
        loaded = true;
        Path file = dir.resolve(UIDLIST);
        if (Files.exists(file)) {
            try {
                List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
                String[] head = lines.get(0).split(" ");
                if (!head[0].equals("V1")) {
                    throw new IOException("unknown uidlist version");
                }
                uidValidity = Long.parseLong(head[1]);
                uidNext = Long.parseLong(head[2]);
                for (String line : lines.subList(1, lines.size())) {
                    if (line.isBlank()) {
                        continue;
                    }
                    String[] f = line.split(" ");
                    Entry e = new Entry(Long.parseLong(f[0]), f[1]);
                    for (int i = 2; i < f.length; i++) {
                        e.keywords.add(f[i]);
                    }
                    byUid.put(e.uid, e);
                    uidByBase.put(e.base, e.uid);
                }
                return;
            } catch (RuntimeException | IOException e) {
                byUid.clear();
                uidByBase.clear();
            }
        }
        // New (or unreadable) list: a new UIDVALIDITY tells clients to forget their cache.
        uidValidity = newValidity();
        uidNext = 1;
        if (Files.isDirectory(dir)) {
            persist();
        }
    }

    private static long newValidity() {
        long now = System.currentTimeMillis() / 1000;
        return LAST_VALIDITY.updateAndGet(last -> Math.max(last + 1, now)) & 0xFFFFFFFFL;
    }

    private void persist() throws IOException {
        // Durable like the messages: a lost uidlist would give the folder a new UIDVALIDITY after a crash.
        store.replaceFileDurably(dir.resolve(UIDLIST), uidlistBytes());
    }

    private byte[] uidlistBytes() {
        StringBuilder sb = new StringBuilder();
        sb.append("V1 ").append(uidValidity).append(' ').append(uidNext).append('\n');
        for (Entry e : byUid.values()) {
            sb.append(e.uid).append(' ').append(e.base);
            for (String k : e.keywords) {
                sb.append(' ').append(k);
            }
            sb.append('\n');
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private long scannedCur = -1;
    private long scannedNew = -1;
    private long scannedAt;
    /** The directories' times were last taken after a change of this index's own (see afterOwnChange). */
    private boolean ownChangeSinceScan;
    /** Someone announced a change: the next refresh scans whatever the times say. */
    private boolean outsideChangeExpected;

    /**
     * How long a directory must have been unchanged before an unchanged modification time is
     * trusted. A change made within the same timestamp tick as the one last seen leaves the time as
     * it was, so the time must be older than the filesystem's tick. File systems with sub-second
     * times (ext4, XFS, Btrfs, tmpfs: the kernel's coarse clock, a few ms per tick) get
     * {@value #FINE_STABLE_MILLIS} ms; whole-second ones (FAT, ext3, some network shares)
     * {@value #COARSE_STABLE_MILLIS} ms. Dovecot uses one second for the same check.
     */
    static final long FINE_STABLE_MILLIS = 100;
    static final long COARSE_STABLE_MILLIS = 2000;

    /** The stability window for directories with these modification times (nanoseconds). */
    static long stableMillis(long curNanos, long newNanos) {
        boolean fine = curNanos % 1_000_000_000L != 0 && newNanos % 1_000_000_000L != 0;
        return fine ? FINE_STABLE_MILLIS : COARSE_STABLE_MILLIS;
    }

    private long mtime(String sub) {
        try {
            return Files.getLastModifiedTime(dir.resolve(sub)).to(java.util.concurrent.TimeUnit.NANOSECONDS);
        } catch (IOException e) {
            return -1;
        }
    }

    /** The directories' times before a change of this index's own: {cur, new}. */
    private long[] beforeOwnChange() {
        return new long[] {mtime("cur"), mtime("new")};
    }

    /**
     * After this index renamed, added or removed files in {@code cur/} itself (its entries already say
     * so): when it had seen the directories as they were, their new times are taken as seen, so the
     * sessions' next commands do not rescan the whole folder for a change the index made. A change by
     * another program to {@code cur/} in the same instant would stay unseen only until the folder has
     * been still for the stable time, when the next refresh rescans. A change to {@code new/} (where
     * deliveries land) is never taken as seen: the next refresh rescans.
     */
    private void afterOwnChange(long[] before) {
        long cur = mtime("cur");
        long nw = mtime("new");
        if (before[0] < 0 || before[0] != scannedCur || before[1] != scannedNew || nw != before[1]
                // new/ must have been still at the last scan, so any later delivery changes its time.
                || scannedAt - before[1] / 1_000_000L <= stableMillis(before[0], before[1])) {
            return;
        }
        scannedCur = cur;
        ownChangeSinceScan = true;
    }

    /**
     * Someone announced a change to this mailbox (a delivery, a POP3 commit): the next refresh checks
     * the directories as if this index had changed nothing itself since its last scan.
     */
    public synchronized void expectOutsideChange() {
        outsideChangeExpected = true;
    }

    /**
     * Re-reads {@code new/} and {@code cur/}: assigns UIDs to new messages, drops vanished ones. The
     * scan is skipped when neither directory changed since the last one and both had been stable for
     * {@link #stableMillis} before it (so a change in the same timestamp tick cannot hide).
     */
    public synchronized void refresh() throws IOException {
        load();
        long cur = mtime("cur");
        long nw = mtime("new");
        long now = System.currentTimeMillis();
        boolean sameTimes = cur >= 0 && nw >= 0 && cur == scannedCur && nw == scannedNew;
        long last = Math.max(cur, nw) / 1_000_000L;
        long stable = stableMillis(cur, nw);
        // Only this index's own change since the last scan, and the folder not yet still: the scan that
        // verifies it waits until the folder has been still for the stable time.
        boolean ownAndRecent = sameTimes && ownChangeSinceScan && now - last <= stable;
        if (sameTimes && !outsideChangeExpected && (scannedAt - last > stable || ownAndRecent)) {
            return;
        }
        scannedCur = cur;
        scannedNew = nw;
        scannedAt = now;
        outsideChangeExpected = false;
        ownChangeSinceScan = false;
        Map<String, String[]> onDisk = new LinkedHashMap<>(); // base → {subdir, fileName, info}
        for (String sub : List.of("cur", "new")) {
            Path d = dir.resolve(sub);
            // File.list: names only, no Path per entry (this runs after every change to the folder).
            String[] names = d.toFile().list();
            if (names == null) {
                if (Files.isDirectory(d)) {
                    // Not "gone": an I/O error must not read as every message expunged.
                    throw new IOException("cannot list " + d);
                }
                continue; // folder deleted under us: everything is gone
            }
            for (String name : names) {
                if (name.startsWith(".")) {
                    continue;
                }
                int colon = name.indexOf(':');
                String base = colon < 0 ? name : name.substring(0, colon);
                String info = colon >= 0 && name.startsWith(":2,", colon) ? name.substring(colon + 3) : "";
                onDisk.put(base, new String[] {sub, name, info});
            }
        }
        boolean changed = false;
        boolean flagsChanged = false;
        for (var it = byUid.values().iterator(); it.hasNext(); ) {
            Entry e = it.next();
            String[] f = onDisk.remove(e.base);
            if (f == null) {
                it.remove();
                uidByBase.remove(e.base);
                unclaimedRecent.remove(e.uid);
                changed = true;
            } else {
                if (!f[2].equals(e.info)) {
                    version++; // flags changed by another program
                    flagsChanged = true;
                }
                e.subdir = f[0];
                e.fileName = f[1];
                e.info = f[2];
            }
        }
        List<String> fresh = new ArrayList<>(onDisk.keySet());
        if (fresh.size() > 1) {
            // Arrival order: delivery time (mtime), then the name's seconds and per-process counter.
            Map<String, Long> mtimes = new HashMap<>();
            for (String base : fresh) {
                String[] f = onDisk.get(base);
                try {
                    mtimes.put(base, Files.getLastModifiedTime(dir.resolve(f[0]).resolve(f[1])).toMillis());
                } catch (IOException e) {
                    mtimes.put(base, Long.MAX_VALUE);
                }
            }
            fresh.sort(java.util.Comparator.<String>comparingLong(mtimes::get)
                    .thenComparingLong(b -> namePart(b, (char) 0))
                    .thenComparingLong(b -> namePart(b, 'Q'))
                    .thenComparing(b -> b));
        }
        for (String base : fresh) {
            String[] f = onDisk.get(base);
            Entry e = new Entry(uidNext++, base);
            e.subdir = f[0];
            e.fileName = f[1];
            e.info = f[2];
            if (f[0].equals("new")) {
                String target = base + ":2," + f[2];
                try {
                    Files.move(dir.resolve("new").resolve(f[1]), dir.resolve("cur").resolve(target));
                    e.subdir = "cur";
                    e.fileName = target;
                } catch (NoSuchFileException gone) {
                    // taken by another reader (POP3) between the scan and now; the next scan resolves it
                    uidNext--;
                    continue;
                }
            }
            byUid.put(e.uid, e);
            uidByBase.put(base, e.uid);
            unclaimedRecent.add(e.uid);
            changed = true;
        }
        if (changed) {
            version++;
            persist();
        } else if (ownAndRecent && !flagsChanged) {
            ownChangeSinceScan = true; // the announced change was not here: back to waiting for stillness
        }
    }

    /** The leading seconds (marker 0) or the number after 'Q' in a Maildir name, else 0. */
    private static long namePart(String base, char marker) {
        int i = 0;
        if (marker != 0) {
            int dot = base.indexOf('.');
            i = dot < 0 ? -1 : base.indexOf(marker, dot);
            if (i < 0) {
                return 0;
            }
            i++;
        }
        long n = 0;
        int digits = 0;
        while (i < base.length() && Character.isDigit(base.charAt(i)) && digits < 18) {
            n = n * 10 + (base.charAt(i++) - '0');
            digits++;
        }
        return n;
    }

    /** All messages in UID order (as of the last refresh or change). */
    public synchronized List<MessageRecord> snapshot() throws IOException {
        load();
        List<MessageRecord> out = new ArrayList<>(byUid.size());
        for (Entry e : byUid.values()) {
            out.add(record(e));
        }
        return out;
    }

    /** One message, or null when it is gone. */
    public synchronized MessageRecord get(long uid) throws IOException {
        load();
        Entry e = byUid.get(uid);
        return e == null ? null : record(e);
    }

    private MessageRecord record(Entry e) {
        Path file = dir.resolve(e.subdir).resolve(e.fileName);
        if (e.size < 0) {
            e.size = crlfSize(e.base, file);
        }
        if (e.internalDate < 0) {
            try {
                e.internalDate = Files.getLastModifiedTime(file).toMillis();
            } catch (IOException ex) {
                e.internalDate = System.currentTimeMillis();
            }
        }
        Set<String> flags = new LinkedHashSet<>(MaildirFlags.fromInfo(e.info));
        flags.addAll(e.keywords);
        return new MessageRecord(e.uid, flags, e.size, e.internalDate, file);
    }

    private static long crlfSize(String base, Path file) {
        int w = base.indexOf(",W=");
        if (w >= 0) {
            int end = w + 3;
            while (end < base.length() && Character.isDigit(base.charAt(end))) {
                end++;
            }
            if (end > w + 3) {
                return Long.parseLong(base.substring(w + 3, end));
            }
        }
        try {
            return MaildirStore.crlfSize(Files.readAllBytes(file));
        } catch (IOException ex) {
            return 0;
        }
    }

    /** Hands the \Recent messages not yet claimed by a session to the caller (once). */
    public synchronized Set<Long> claimRecent() {
        Set<Long> out = new TreeSet<>(unclaimedRecent);
        unclaimedRecent.clear();
        return out;
    }

    /** How many messages no session has claimed as \Recent (for STATUS RECENT). */
    public synchronized int unclaimedRecentCount() {
        return unclaimedRecent.size();
    }

    public enum FlagMode { REPLACE, ADD, REMOVE }

    /**
     * Changes the flags of {@code uids} (system flags via the file name, keywords in the uidlist) and
     * returns each existing message's new flags.
     */
    public synchronized Map<Long, Set<String>> setFlags(Collection<Long> uids, FlagMode mode, Set<String> flags)
            throws IOException {
        load();
        long[] before = beforeOwnChange();
        boolean renamed = false;
        Map<Long, Set<String>> out = new LinkedHashMap<>();
        boolean keywordsChanged = false;
        for (long uid : uids) {
            Entry e = byUid.get(uid);
            if (e == null) {
                continue;
            }
            Set<String> current = new LinkedHashSet<>(MaildirFlags.fromInfo(e.info));
            current.addAll(e.keywords);
            Set<String> next = new LinkedHashSet<>(current);
            switch (mode) {
                case REPLACE -> {
                    next.clear();
                    next.addAll(flags);
                }
                case ADD -> next.addAll(flags);
                case REMOVE -> next.removeAll(flags);
                default -> throw new IllegalStateException();
            }
            if (!next.equals(current)) {
                version++;
                String info = MaildirFlags.toInfo(next, e.info);
                if (!info.equals(e.info) || !e.subdir.equals("cur")) {
                    String target = e.base + ":2," + info;
                    try {
                        Files.move(dir.resolve(e.subdir).resolve(e.fileName), dir.resolve("cur").resolve(target));
                        e.subdir = "cur";
                        e.fileName = target;
                        e.info = info;
                        renamed = true;
                    } catch (NoSuchFileException gone) {
                        continue;
                    }
                }
                Set<String> kw = new LinkedHashSet<>();
                for (String f : next) {
                    if (!f.startsWith("\\")) {
                        kw.add(f);
                    }
                }
                if (!kw.equals(e.keywords)) {
                    e.keywords = kw;
                    keywordsChanged = true;
                }
            }
            Set<String> now = new LinkedHashSet<>(MaildirFlags.fromInfo(e.info));
            now.addAll(e.keywords);
            out.put(uid, now);
        }
        if (keywordsChanged) {
            persist();
        }
        if (renamed) {
            afterOwnChange(before);
        }
        return out;
    }

    /** Deletes the messages' files; returns the UIDs actually removed. */
    public synchronized List<Long> expunge(Collection<Long> uids) throws IOException {
        load();
        long[] before = beforeOwnChange();
        List<Long> removed = new ArrayList<>();
        for (long uid : uids) {
            Entry e = byUid.remove(uid);
            if (e == null) {
                continue;
            }
            uidByBase.remove(e.base);
            unclaimedRecent.remove(uid);
            try {
                Files.deleteIfExists(dir.resolve(e.subdir).resolve(e.fileName));
            } catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
            removed.add(uid);
        }
        if (!removed.isEmpty()) {
            version++;
            persist();
            afterOwnChange(before);
        }
        return removed;
    }

    /**
     * Stores a new message (LF line ends) in {@code cur/} with its flags and internal date, durably,
     * and returns its UID. It is \Recent for the first session to claim it.
     */
    public synchronized long append(MaildirStore store, byte[] messageLf, Set<String> flags, long internalDate)
            throws IOException {
        load();
        refresh();
        long[] before = beforeOwnChange();
        String info = MaildirFlags.toInfo(flags, "");
        String base = store.uniqueName(messageLf);
        String name = base + ":2," + info;
        Entry e = new Entry(uidNext++, base);
        e.subdir = "cur";
        e.fileName = name;
        e.info = info;
        for (String f : flags) {
            if (!f.startsWith("\\")) {
                e.keywords.add(f);
            }
        }
        byUid.put(e.uid, e);
        uidByBase.put(base, e.uid);
        Path file = dir.resolve("cur").resolve(name);
        try {
            // The message and the UID list naming it: one journal commit for both.
            store.deliverWithState(file, messageLf, dir.resolve(UIDLIST), uidlistBytes());
        } catch (IOException | RuntimeException ex) {
            // The UID stays used (uidNext is not taken back): the list may have reached the disk.
            byUid.remove(e.uid);
            uidByBase.remove(base);
            throw ex;
        }
        if (internalDate > 0) {
            Files.setLastModifiedTime(file, FileTime.fromMillis(internalDate));
        }
        unclaimedRecent.add(e.uid);
        version++;
        afterOwnChange(before);
        return e.uid;
    }

    /**
     * Takes a message file from another folder of the same store by renaming it into {@code cur/} (no
     * copy: the MOVE of a big message costs a rename), keeping its base name, which is unique, and its
     * modification time, which is its internal date. Returns the new UID, or -1 when the file is gone
     * or its name is taken here (the caller then copies).
     */
    public synchronized long adopt(Path file, Set<String> flags) throws IOException {
        load();
        String name = file.getFileName().toString();
        int colon = name.indexOf(':');
        String base = colon < 0 ? name : name.substring(0, colon);
        if (uidByBase.containsKey(base) || file.getParent() == null || file.getParent().getParent() == null
                || file.getParent().getParent().toAbsolutePath().normalize().equals(dir.toAbsolutePath().normalize())) {
            return -1;
        }
        MaildirStore.ensureMaildir(dir);
        String info = MaildirFlags.toInfo(flags, colon >= 0 && name.startsWith(":2,", colon) ? name.substring(colon + 3) : "");
        String target = base + ":2," + info;
        if (Files.exists(dir.resolve("cur").resolve(target)) || Files.exists(dir.resolve("new").resolve(base))) {
            return -1;
        }
        try {
            Files.move(file, dir.resolve("cur").resolve(target), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (NoSuchFileException | AtomicMoveNotSupportedException e) {
            return -1;
        }
        MaildirStore.fsyncDirectory(dir.resolve("cur"));
        MaildirStore.fsyncDirectory(file.getParent());
        Entry e = new Entry(uidNext++, base);
        e.subdir = "cur";
        e.fileName = target;
        e.info = info;
        for (String f : flags) {
            if (!f.startsWith("\\")) {
                e.keywords.add(f);
            }
        }
        byUid.put(e.uid, e);
        uidByBase.put(base, e.uid);
        unclaimedRecent.add(e.uid);
        version++;
        persist();
        return e.uid;
    }

    /** Forgets in-memory state so the next call re-reads the folder (after a rename or delete). */
    public synchronized void reset() {
        loaded = false;
        version++;
        scannedCur = -1;
        scannedNew = -1;
        byUid.clear();
        uidByBase.clear();
        unclaimedRecent.clear();
        uidNext = 1;
    }
}
