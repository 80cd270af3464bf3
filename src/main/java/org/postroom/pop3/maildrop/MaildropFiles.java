package org.postroom.pop3.maildrop;

import org.postroom.store.MaildirStore;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;

/**
 * The file side of a POP3 maildrop: listing an INBOX Maildir at login, reading a message, deleting
 * the marked ones at QUIT. Every method blocks on file I/O: call it on the blocking executor.
 *
 * <p>At login, files in {@code new/} move to {@code cur/} with an empty {@code :2,} info (the Maildir
 * custom: the message has been seen by a client, not read), then {@code cur/} is listed in delivery
 * order. Another client (IMAP) may rename a file while POP3 holds the maildrop (flag changes edit the
 * info part), so files are found again by their base name. The unique id is the base name when it is
 * a valid RFC 1939 unique-id (1-70 chars 0x21-0x7E), else a hash of it; both are stable across
 * restarts.
 */
public final class MaildropFiles {
    private MaildropFiles() {
    }

    /** Lists the account's INBOX (creating an empty Maildir if the account never got mail). */
    public static Maildrop open(String account, Path maildir) throws IOException {
        MaildirStore.ensureMaildir(maildir);
        Path cur = maildir.resolve("cur");
        boolean moved = false;
        for (Path p : list(maildir.resolve("new"))) {
            String name = p.getFileName().toString();
            String target = name.indexOf(':') >= 0 ? name : name + ":2,";
            try {
                Files.move(p, cur.resolve(target));
                moved = true;
            } catch (NoSuchFileException | FileAlreadyExistsException e) {
                // Another client moved it first; it is listed from cur/ below.
            }
        }
        if (moved) {
            MaildirStore.fsyncDirectory(cur);
        }
        // Names only (no stat per file): the size is in the name (",W=") for mail Postroom delivered.
        String[] names = cur.toFile().list();
        if (names == null) {
            throw new IOException("cannot list " + cur);
        }
        List<Keyed> keyed = new ArrayList<>(names.length);
        for (String name : names) {
            if (name.startsWith(".")) {
                continue;
            }
            String base = baseName(name);
            long size = sizeFromName(base);
            if (size < 0) {
                Path p = cur.resolve(name);
                if (!Files.isRegularFile(p)) {
                    continue;
                }
                try {
                    size = countCrlfSize(p);
                } catch (NoSuchFileException e) {
                    continue;
                }
            }
            keyed.add(new Keyed(leadingSeconds(base), counter(base), new MaildropMessage(uidOf(base), base, name, size)));
        }
        keyed.sort(Keyed.ORDER);
        List<MaildropMessage> messages = new ArrayList<>(keyed.size());
        for (Keyed k : keyed) {
            messages.add(k.message());
        }
        return new Maildrop(account, maildir, messages);
    }

    /** The message's bytes as stored (LF line ends). Throws NoSuchFileException if it was removed. */
    public static byte[] read(Maildrop drop, MaildropMessage message) throws IOException {
        Path listed = drop.maildir().resolve("cur").resolve(message.fileName());
        try {
            return Files.readAllBytes(listed);
        } catch (NoSuchFileException e) {
            Path renamed = find(drop.maildir(), message.baseName());
            if (renamed == null) {
                throw e;
            }
            return Files.readAllBytes(renamed);
        }
    }

    /**
     * Deletes the given messages (the UPDATE state). A message already gone counts as deleted.
     * Returns how many could not be deleted.
     */
    public static int delete(Maildrop drop, List<MaildropMessage> marked) {
        int failed = 0;
        Path cur = drop.maildir().resolve("cur");
        for (MaildropMessage m : marked) {
            try {
                if (!Files.deleteIfExists(cur.resolve(m.fileName()))) {
                    Path renamed = find(drop.maildir(), m.baseName());
                    if (renamed != null) {
                        Files.deleteIfExists(renamed);
                    }
                }
            } catch (IOException e) {
                failed++;
            }
        }
        if (!marked.isEmpty()) {
            try {
                MaildirStore.fsyncDirectory(cur);
            } catch (IOException e) {
                // The unlinks happened; only their durability across a crash is uncertain.
            }
        }
        return failed;
    }

    /** The base name of a Maildir file name: everything before the ":2," info. */
    public static String baseName(String fileName) {
        int colon = fileName.indexOf(':');
        return colon < 0 ? fileName : fileName.substring(0, colon);
    }

    /** The RFC 1939 unique-id of a base name: itself if valid, else a stable hash of it. */
    public static String uidOf(String baseName) {
        boolean valid = !baseName.isEmpty() && baseName.length() <= 70
                && baseName.chars().allMatch(c -> c >= 0x21 && c <= 0x7e);
        if (valid) {
            return baseName;
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(baseName.getBytes(StandardCharsets.UTF_8));
            return "H" + Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A message with its delivery-order keys parsed once (the sort compares O(n log n) times). */
    private record Keyed(long seconds, long counter, MaildropMessage message) {
        /** Delivery order: the leading seconds of the name, then the per-process counter, then the name. */
        static final Comparator<Keyed> ORDER = Comparator.comparingLong(Keyed::seconds)
                .thenComparingLong(Keyed::counter)
                .thenComparing(k -> k.message().baseName());
    }

    // Without regular expressions: these run for every message at every POP3 login.

    /** The digits the name starts with (up to 18), or Long.MAX_VALUE when there are none. */
    static long leadingSeconds(String name) {
        return digitsAt(name, 0);
    }

    /** The digits after the first "Q" that is followed by a digit, or Long.MAX_VALUE. */
    static long counter(String name) {
        for (int i = name.indexOf('Q'); i >= 0; i = name.indexOf('Q', i + 1)) {
            if (i + 1 < name.length() && name.charAt(i + 1) >= '0' && name.charAt(i + 1) <= '9') {
                return digitsAt(name, i + 1);
            }
        }
        return Long.MAX_VALUE;
    }

    private static long digitsAt(String name, int start) {
        long value = 0;
        int i = start;
        while (i < name.length() && i - start < 18 && name.charAt(i) >= '0' && name.charAt(i) <= '9') {
            value = value * 10 + (name.charAt(i) - '0');
            i++;
        }
        return i == start ? Long.MAX_VALUE : value;
    }

    /** The ",W=" size in a base name, or -1 when there is none. */
    static long sizeFromName(String base) {
        int at = base.indexOf(",W=");
        if (at < 0) {
            return -1;
        }
        int start = at + 3;
        int end = start;
        while (end < base.length() && end - start < 18 && base.charAt(end) >= '0' && base.charAt(end) <= '9') {
            end++;
        }
        return end == start ? -1 : Long.parseLong(base, start, end, 10);
    }

    /** The size with CRLF line ends, counted from the file (mail without a ",W=" size in its name). */
    private static long countCrlfSize(Path file) throws IOException {
        long size = 0;
        boolean lastCr = false;
        int last = -1;
        byte[] buf = new byte[16 * 1024];
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(buf)) > 0) {
                for (int i = 0; i < n; i++) {
                    byte b = buf[i];
                    if (b == '\n' && !lastCr) {
                        size++;
                    }
                    lastCr = b == '\r';
                    last = b;
                }
                size += n;
            }
        }
        if (last >= 0 && last != '\n') {
            size += 2;
        }
        return size;
    }

    private static Path find(Path maildir, String baseName) throws IOException {
        for (String sub : new String[] {"cur", "new"}) {
            for (Path p : list(maildir.resolve(sub))) {
                if (baseName(p.getFileName().toString()).equals(baseName)) {
                    return p;
                }
            }
        }
        return null;
    }

    private static List<Path> list(Path dir) throws IOException {
        List<Path> files = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return files;
        }
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            for (Path p : stream) {
                if (!p.getFileName().toString().startsWith(".") && Files.isRegularFile(p)) {
                    files.add(p);
                }
            }
        }
        return files;
    }
}
