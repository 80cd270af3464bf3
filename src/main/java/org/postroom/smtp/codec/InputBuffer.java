package org.postroom.smtp.codec;

import org.apache.pekko.util.ByteString;

import java.nio.ByteBuffer;

/**
 * The unread input of one SMTP connection, shared by the framing receivers of each mode
 * ({@link SmtpLineDecoder} for command and AUTH lines, {@link DataReceiver} for DATA): each takes what
 * it frames and leaves the rest, so switching mode after a command needs no copying. Holds no array
 * while empty (idle sessions stay small) and gives a large array back once it is drained.
 * Not thread-safe: one connection, one thread.
 */
public final class InputBuffer {
    private static final byte[] EMPTY = new byte[0];
    private static final int KEEP_CAPACITY = 4096;

    private byte[] buf = EMPTY;
    private int start;
    private int end;

    public void append(ByteString bytes) {
        int n = bytes.size();
        if (n == 0) {
            return;
        }
        makeRoom(n);
        bytes.copyToBuffer(ByteBuffer.wrap(buf, end, n));
        end += n;
    }

    public void append(byte[] bytes) {
        makeRoom(bytes.length);
        System.arraycopy(bytes, 0, buf, end, bytes.length);
        end += bytes.length;
    }

    private void makeRoom(int n) {
        if (buf.length - end >= n) {
            return;
        }
        int live = end - start;
        if (buf.length - live >= n && start > 0) {
            System.arraycopy(buf, start, buf, 0, live);
        } else {
            int capacity = Math.max(256, buf.length);
            while (capacity - live < n) {
                capacity *= 2;
            }
            byte[] bigger = new byte[capacity];
            System.arraycopy(buf, start, bigger, 0, live);
            buf = bigger;
        }
        start = 0;
        end = live;
    }

    /** Unread byte count. */
    public int available() {
        return end - start;
    }

    public boolean isEmpty() {
        return start == end;
    }

    /** The byte {@code i} positions after the read position. */
    public byte get(int i) {
        return buf[start + i];
    }

    /** Position (relative to the read position) of the first {@code b} at or after {@code from}, or -1. */
    public int indexOf(byte b, int from) {
        for (int i = start + from; i < end; i++) {
            if (buf[i] == b) {
                return i - start;
            }
        }
        return -1;
    }

    /** Copies out the next {@code n} bytes and consumes them. */
    public byte[] take(int n) {
        byte[] out = new byte[n];
        System.arraycopy(buf, start, out, 0, n);
        skip(n);
        return out;
    }

    /** Consumes {@code n} bytes. */
    public void skip(int n) {
        if (n < 0 || n > end - start) {
            throw new IllegalArgumentException("skip " + n + " of " + (end - start));
        }
        start += n;
        if (start == end) {
            start = 0;
            end = 0;
            if (buf.length > KEEP_CAPACITY) {
                buf = EMPTY;
            }
        }
    }

    /**
     * Drops everything unread: after STARTTLS, bytes the client pipelined in plaintext behind the
     * command must not be read as if they had come over TLS.
     */
    public void discard() {
        skip(end - start);
    }

    // Direct access for the receivers' hot loops (package-private).
    byte[] array() {
        return buf;
    }

    int readIndex() {
        return start;
    }

    int writeIndex() {
        return end;
    }
}
