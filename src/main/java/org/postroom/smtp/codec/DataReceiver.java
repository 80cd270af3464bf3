package org.postroom.smtp.codec;

import java.util.Arrays;

/**
 * Receives the content of one DATA command incrementally (RFC 5321 section 4.5.2), from an
 * {@link InputBuffer} cut anywhere, and hands back the message with CRLF line ends, dots unstuffed.
 *
 * <p>Framing rules, chosen for safety against "SMTP smuggling":
 * <ul>
 *   <li>The content ends only at {@code CRLF . CRLF} where both line ends are real CRLFs (the CRLF of
 *       the DATA command counts as the first). {@code LF . LF}, {@code LF . CRLF} or {@code CR . CR}
 *       do not end it.</li>
 *   <li>A bare LF is normalised to CRLF (documented choice: accepted, not refused). The line after a
 *       bare LF is not treated as a new SMTP line: its leading dot is kept and it cannot end the data.
 *       A bare CR is kept as it is.</li>
 *   <li>Dot-unstuffing: a line that starts with "." (after a real CRLF) loses that first dot.</li>
 *   <li>Text lines longer than RFC 5321's 1000 octets are accepted as they are (documented choice:
 *       real clients send them, and the size limit already bounds memory).</li>
 *   <li>Size: the unstuffed content is counted; past {@code maxSize} nothing more is buffered, the
 *       rest is read to the end of the data and the result is {@link TooBig} (the session answers 552).</li>
 * </ul>
 * One instance per DATA command; not thread-safe.
 */
public final class DataReceiver {

    public sealed interface Result permits NeedMore, Complete, TooBig {}

    /** The terminating dot line has not arrived yet. */
    public record NeedMore() implements Result {}

    /** The whole message, CRLF line ends, unstuffed. */
    public record Complete(byte[] message) implements Result {}

    /** The message was larger than the limit; {@code size} is how large it was. */
    public record TooBig(long size) implements Result {}

    private static final NeedMore NEED_MORE = new NeedMore();

    // States: where we are in the line structure of the stream.
    private static final int LINE_START = 0;   // after a real CRLF (or at the very start)
    private static final int MID = 1;          // inside a line
    private static final int CR = 2;           // saw CR (not yet written)
    private static final int DOT = 3;          // saw "." at a line start (not yet written)
    private static final int DOT_CR = 4;       // saw "." CR at a line start
    private static final int DONE = 5;

    private final long maxSize;
    private byte[] out;
    private int length;
    private long size;
    private int state = LINE_START;

    /** @param sizeHint expected size (e.g. MAIL's SIZE=), used only to size the first buffer */
    public DataReceiver(long maxSize, long sizeHint) {
        this.maxSize = maxSize;
        // Without a hint, room for a typical message: growing from 1 KiB copied a 4 KiB message three times.
        long wanted = sizeHint > 0 ? sizeHint + 512 : 16 * 1024;
        long first = Math.min(Math.min(wanted, maxSize + 2), 4L << 20);
        this.out = new byte[(int) Math.max(first, 16)];
    }

    public DataReceiver(long maxSize) {
        this(maxSize, 0);
    }

    /** Consumes what it can; after {@link Complete} or {@link TooBig} the rest stays in {@code in}. */
    public Result receive(InputBuffer in) {
        if (state == DONE) {
            throw new IllegalStateException("DATA already complete");
        }
        byte[] a = in.array();
        int i = in.readIndex();
        int end = in.writeIndex();
        int s = state;
        while (i < end) {
            byte b = a[i];
            switch (s) {
                case LINE_START:
                    if (b == '.') {
                        s = DOT;
                        i++;
                    } else {
                        s = MID;
                    }
                    break;
                case MID: {
                    // Copy the run up to the next CR or LF in one go.
                    int j = i;
                    while (j < end && a[j] != '\r' && a[j] != '\n') {
                        j++;
                    }
                    if (j > i) {
                        write(a, i, j - i);
                        i = j;
                    }
                    if (i < end) {
                        if (a[i] == '\r') {
                            s = CR;
                        } else {
                            // Bare LF: normalised; the next line is no SMTP line start.
                            writeCrlf();
                        }
                        i++;
                    }
                    break;
                }
                case CR:
                    if (b == '\n') {
                        writeCrlf();
                        s = LINE_START;
                        i++;
                    } else if (b == '\r') {
                        writeByte('\r');
                        i++;
                    } else {
                        writeByte('\r');
                        s = MID;
                    }
                    break;
                case DOT:
                    if (b == '\r') {
                        s = DOT_CR;
                        i++;
                    } else {
                        s = MID; // the stuffed dot is dropped
                    }
                    break;
                case DOT_CR:
                    if (b == '\n') {
                        i++;
                        in.skip(i - in.readIndex());
                        state = DONE;
                        if (size > maxSize) {
                            out = null;
                            return new TooBig(size);
                        }
                        byte[] message = Arrays.copyOf(out, length);
                        out = null;
                        return new Complete(message);
                    }
                    writeByte('\r'); // "." CR x: the dot was stuffing, the CR is content
                    s = MID;
                    if (b == '\r') {
                        s = CR;
                        i++;
                    }
                    break;
                default:
                    throw new IllegalStateException("state " + s);
            }
        }
        state = s;
        in.skip(i - in.readIndex());
        return NEED_MORE;
    }

    /** Unstuffed octets seen so far (also beyond the limit). */
    public long size() {
        return size;
    }

    private void writeCrlf() {
        writeByte('\r');
        writeByte('\n');
    }

    private void writeByte(int b) {
        size++;
        if (size > maxSize) {
            out = null; // too big: what was buffered is not needed any more
            return;
        }
        if (length == out.length) {
            grow(1);
        }
        out[length++] = (byte) b;
    }

    private void write(byte[] a, int from, int n) {
        size += n;
        if (size > maxSize) {
            out = null;
            return;
        }
        if (out.length - length < n) {
            grow(n);
        }
        System.arraycopy(a, from, out, length, n);
        length += n;
    }

    private void grow(int n) {
        long capacity = Math.max((long) out.length * 2, (long) length + n);
        capacity = Math.min(Math.min(capacity, Math.max(maxSize, length + n)), Integer.MAX_VALUE - 8);
        out = Arrays.copyOf(out, (int) capacity);
    }
}
