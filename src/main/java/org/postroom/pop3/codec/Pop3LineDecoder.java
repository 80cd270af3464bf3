package org.postroom.pop3.codec;

import org.apache.pekko.util.ByteString;

import java.nio.charset.StandardCharsets;

/**
 * Cuts the client's byte stream into POP3 command lines, however it was chunked. A line ends with
 * CRLF (a bare LF is accepted too); a line longer than the limit is dropped up to its end and reported
 * once as {@link Pop3Decoded.LineTooLong}, so memory stays bounded and replies keep their order.
 * Not thread-safe: one per connection.
 */
public final class Pop3LineDecoder {
    private final int maxLineLength;
    private byte[] buf = new byte[64];
    private int start;
    private int end;
    /** Scan position: no LF in [start, scanned). */
    private int scanned;
    /** Dropping an over-long line until its LF. */
    private boolean discarding;

    /** @param maxLineLength longest accepted line in octets, CRLF included */
    public Pop3LineDecoder(int maxLineLength) {
        if (maxLineLength < 8) {
            throw new IllegalArgumentException("maxLineLength too small: " + maxLineLength);
        }
        this.maxLineLength = maxLineLength;
    }

    public void feed(ByteString bytes) {
        if (bytes.isEmpty()) {
            return;
        }
        ensureRoom(bytes.size());
        bytes.copyToArray(buf, end, bytes.size());
        end += bytes.size();
    }

    /** The next line, or NeedMore. Call repeatedly until NeedMore. */
    public Pop3Decoded next() {
        while (true) {
            int lf = -1;
            for (int i = scanned; i < end; i++) {
                if (buf[i] == '\n') {
                    lf = i;
                    break;
                }
            }
            if (lf < 0) {
                scanned = end;
                if (end - start > maxLineLength) {
                    // Keep nothing of an over-long line but remember to report it at its end.
                    discarding = true;
                    start = end;
                    compactIfEmpty();
                }
                return Pop3Decoded.NEED_MORE;
            }
            int lineStart = start;
            int lineEnd = lf;
            start = scanned = lf + 1;
            if (discarding || lf + 1 - lineStart > maxLineLength) {
                discarding = false;
                compactIfEmpty();
                return new Pop3Decoded.LineTooLong(maxLineLength);
            }
            if (lineEnd > lineStart && buf[lineEnd - 1] == '\r') {
                lineEnd--;
            }
            String line = new String(buf, lineStart, lineEnd - lineStart, StandardCharsets.UTF_8);
            compactIfEmpty();
            return new Pop3Decoded.Command(Pop3Command.parse(line));
        }
    }

    /** Bytes received but not yet returned as lines. */
    public int buffered() {
        return end - start;
    }

    /** Drops everything buffered (after STLS, plaintext pipelined behind it must not be used). */
    public void discardBuffered() {
        start = end = scanned = 0;
        discarding = false;
    }

    private void compactIfEmpty() {
        if (start == end) {
            start = end = scanned = 0;
            if (buf.length > 4096) {
                // A burst grew the buffer; idle sessions should not keep it.
                buf = new byte[64];
            }
        }
    }

    private void ensureRoom(int more) {
        if (end + more <= buf.length) {
            return;
        }
        int live = end - start;
        if (live + more <= buf.length && start > 0) {
            System.arraycopy(buf, start, buf, 0, live);
        } else {
            byte[] bigger = new byte[Math.max(buf.length * 2, live + more)];
            System.arraycopy(buf, start, bigger, 0, live);
            buf = bigger;
        }
        scanned -= start;
        end = live;
        start = 0;
    }
}
