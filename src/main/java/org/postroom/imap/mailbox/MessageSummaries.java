package org.postroom.imap.mailbox;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * What the IMAP sessions of a listener remember about message files between commands: each
 * message's header block and its ENVELOPE, so {@code FETCH 1:* (FLAGS ENVELOPE)} and header SEARCHes
 * (SUBJECT, FROM, HEADER, SENTBEFORE...) do not read and parse every file again (Dovecot keeps the
 * same in its index cache). A Maildir file's content never changes under its base name (flag changes
 * rename only the info suffix), so an entry keyed by folder and base name never goes stale; it is
 * only dropped to stay within {@link #MAX_BYTES} (least recently used first).
 *
 * <p>Thread-safe: sessions use it from their own threads and from blocking work at once.
 */
public final class MessageSummaries {
    /** About 1 KiB per typical message: 16 MiB keeps ≈ 16,000 messages, a small box's busy folders. */
    public static final long MAX_BYTES = 16L << 20;

    /** The header block (CRLF line ends, up to and including the blank line) and the ENVELOPE text. */
    public record Summary(byte[] header, String envelope) {
        long weight() {
            return 64L + header.length + 2L * envelope.length();
        }
    }

    private final long maxBytes;
    private final LinkedHashMap<String, Summary> entries = new LinkedHashMap<>(256, 0.75f, true);
    private long bytes;

    public MessageSummaries() {
        this(MAX_BYTES);
    }

    public MessageSummaries(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    /** The key of a message file: its folder and its Maildir base name (the file name before ":2,"). */
    public static String key(Path folderDir, Path file) {
        String name = file.getFileName().toString();
        int colon = name.indexOf(':');
        return folderDir + "/" + (colon < 0 ? name : name.substring(0, colon));
    }

    /** The remembered summary, or null. */
    public synchronized Summary get(String key) {
        return entries.get(key);
    }

    /**
     * The summary for {@code key}, computed by {@code compute} (outside the lock: it may read a file)
     * when not remembered. A failure of {@code compute} is thrown and nothing is remembered.
     */
    public Summary get(String key, Function<String, Summary> compute) {
        Summary s = get(key);
        if (s != null) {
            return s;
        }
        s = compute.apply(key);
        put(key, s);
        return s;
    }

    public synchronized void put(String key, Summary summary) {
        Summary old = entries.put(key, summary);
        if (old != null) {
            bytes -= old.weight();
        }
        bytes += summary.weight();
        var it = entries.entrySet().iterator();
        while (bytes > maxBytes && it.hasNext()) {
            Map.Entry<String, Summary> eldest = it.next();
            if (eldest.getValue() == summary && entries.size() == 1) {
                break; // keep at least the newest
            }
            bytes -= eldest.getValue().weight();
            it.remove();
        }
    }

    public synchronized int size() {
        return entries.size();
    }

    /** The header block of a CRLF message: up to and including the first empty line (all of it if none). */
    public static byte[] headerOf(byte[] crlf) {
        for (int i = 0; i + 3 < crlf.length; i++) {
            if (crlf[i] == '\r' && crlf[i + 1] == '\n' && crlf[i + 2] == '\r' && crlf[i + 3] == '\n') {
                return java.util.Arrays.copyOf(crlf, i + 4);
            }
        }
        if (crlf.length >= 2 && crlf[0] == '\r' && crlf[1] == '\n') {
            return new byte[] {'\r', '\n'}; // no header at all
        }
        return crlf.clone();
    }
}
