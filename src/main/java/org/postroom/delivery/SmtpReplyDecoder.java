package org.postroom.delivery;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;

/**
 * Incremental decoder of SMTP replies (RFC 5321 §4.2): bytes may arrive cut anywhere; complete
 * replies, single- or multi-line ({@code 250-...} continued until {@code 250 ...}), come out in
 * order. A line that is not a reply line is a protocol error. Lines longer than 64 KiB are an error.
 */
public final class SmtpReplyDecoder {
    private static final int MAX_LINE = 65536;

    public static final class ProtocolError extends Exception {
        ProtocolError(String message) {
            super(message);
        }
    }

    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private final List<String> pendingLines = new ArrayList<>();
    private int pendingCode = -1;
    private final Deque<SmtpReply> ready = new ArrayDeque<>();

    /** Feeds bytes; complete replies become available from {@link #next}. */
    public void feed(byte[] bytes, int off, int len) throws ProtocolError {
        for (int i = off; i < off + len; i++) {
            byte b = bytes[i];
            if (b == '\n') {
                byte[] l = line.toByteArray();
                line.reset();
                int n = l.length > 0 && l[l.length - 1] == '\r' ? l.length - 1 : l.length;
                onLine(new String(l, 0, n, StandardCharsets.UTF_8));
            } else {
                if (line.size() >= MAX_LINE) {
                    throw new ProtocolError("reply line too long");
                }
                line.write(b);
            }
        }
    }

    public void feed(byte[] bytes) throws ProtocolError {
        feed(bytes, 0, bytes.length);
    }

    public Optional<SmtpReply> next() {
        return Optional.ofNullable(ready.poll());
    }

    private void onLine(String l) throws ProtocolError {
        if (l.length() < 3 || !Character.isDigit(l.charAt(0)) || !Character.isDigit(l.charAt(1))
                || !Character.isDigit(l.charAt(2)) || (l.length() > 3 && l.charAt(3) != ' ' && l.charAt(3) != '-')) {
            throw new ProtocolError("not an SMTP reply: " + abbreviate(l));
        }
        int code = Integer.parseInt(l.substring(0, 3));
        if (code < 200 || code > 599) {
            throw new ProtocolError("bad reply code: " + abbreviate(l));
        }
        if (pendingCode >= 0 && pendingCode != code) {
            throw new ProtocolError("reply code changed inside a multi-line reply: " + abbreviate(l));
        }
        pendingCode = code;
        pendingLines.add(l.length() > 4 ? l.substring(4) : "");
        boolean last = l.length() == 3 || l.charAt(3) == ' ';
        if (last) {
            ready.add(new SmtpReply(code, pendingLines));
            pendingLines.clear();
            pendingCode = -1;
        }
    }

    private static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }
}
