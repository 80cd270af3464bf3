package org.postroom.delivery;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Incremental decoder of SMTP replies (RFC 5321 §4.2): bytes may arrive cut anywhere; complete
 * replies, single- or multi-line ({@code 250-...} continued until {@code 250 ...}), come out in
 * order from {@link #next}. Bytes are only parsed when a reply is asked for, so what a server sent
 * after the reply being read (for example after the 220 to STARTTLS) stays unparsed and can be
 * detected with {@link #buffered}. A line that is not a reply line is a protocol error, as is a line
 * longer than 64 KiB.
 */
public final class SmtpReplyDecoder {
    private static final int MAX_LINE = 65536;
    /** Most lines in one multi-line reply: a remote server cannot make the client hoard memory. */
    static final int MAX_REPLY_LINES = 1000;

    public static final class ProtocolError extends Exception {
        ProtocolError(String message) {
            super(message);
        }
    }

    private byte[] buf = new byte[1024];
    private int start;
    private int end;
    private final List<String> pendingLines = new ArrayList<>();
    private int pendingCode = -1;

    /** Feeds bytes; complete replies become available from {@link #next}. */
    public void feed(byte[] bytes, int off, int len) {
        if (end + len > buf.length) {
            System.arraycopy(buf, start, buf, 0, end - start);
            end -= start;
            start = 0;
            if (end + len > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, end + len));
            }
        }
        System.arraycopy(bytes, off, buf, end, len);
        end += len;
    }

    public void feed(byte[] bytes) {
        feed(bytes, 0, bytes.length);
    }

    /** Bytes received and not yet consumed by a reply. */
    public int buffered() {
        return end - start;
    }

    /** The next complete reply, or empty when more bytes are needed. */
    public Optional<SmtpReply> next() throws ProtocolError {
        while (true) {
            int nl = -1;
            for (int i = start; i < end; i++) {
                if (buf[i] == '\n') {
                    nl = i;
                    break;
                }
            }
            if (nl < 0) {
                if (end - start > MAX_LINE) {
                    throw new ProtocolError("reply line too long");
                }
                return Optional.empty();
            }
            int lineEnd = nl > start && buf[nl - 1] == '\r' ? nl - 1 : nl;
            if (lineEnd - start > MAX_LINE) {
                throw new ProtocolError("reply line too long");
            }
            String line = new String(buf, start, lineEnd - start, StandardCharsets.UTF_8);
            start = nl + 1;
            SmtpReply reply = onLine(line);
            if (reply != null) {
                return Optional.of(reply);
            }
        }
    }

    private SmtpReply onLine(String l) throws ProtocolError {
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
        if (pendingLines.size() >= MAX_REPLY_LINES) {
            throw new ProtocolError("multi-line reply longer than " + MAX_REPLY_LINES + " lines");
        }
        pendingLines.add(l.length() > 4 ? l.substring(4) : "");
        boolean last = l.length() == 3 || l.charAt(3) == ' ';
        if (!last) {
            return null;
        }
        SmtpReply r = new SmtpReply(code, pendingLines);
        pendingLines.clear();
        pendingCode = -1;
        return r;
    }

    private static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }
}
