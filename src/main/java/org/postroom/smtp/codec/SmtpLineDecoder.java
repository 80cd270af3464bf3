package org.postroom.smtp.codec;

import java.nio.charset.StandardCharsets;

/**
 * Frames command lines (and AUTH continuation lines) out of an {@link InputBuffer}, however the bytes
 * were chunked. A line ends at LF; a CR before it is dropped (a bare LF is accepted in commands, as
 * most servers do; DATA is framed strictly by {@link DataReceiver}). Bytes are read as ISO-8859-1,
 * one char per octet, so the parser sees exactly what was sent (anything above 0x7F is refused there).
 *
 * <p>The limit counts the whole line with its CRLF ({@code inbound.max-line-length}; RFC 5321 asks for
 * at least 512). A longer line yields {@link TooLong} once, as soon as it is known to be too long,
 * and the rest of it is discarded as it arrives, never buffered.
 */
public final class SmtpLineDecoder {

    /** What {@link #next} found. */
    public sealed interface Result permits NeedMore, Line, TooLong {}

    /** No complete line buffered yet. */
    public record NeedMore() implements Result {}

    /** One line, without its CRLF. */
    public record Line(String text) implements Result {}

    /** A line over the limit; its bytes are (or will be) dropped. */
    public record TooLong() implements Result {}

    private static final NeedMore NEED_MORE = new NeedMore();
    private static final TooLong TOO_LONG = new TooLong();

    private final int maxLength;
    private boolean discarding;
    /** Bytes already searched for LF (so a line arriving byte by byte is scanned once). */
    private int scanned;

    public SmtpLineDecoder(int maxLength) {
        if (maxLength < 3) {
            throw new IllegalArgumentException("max line length " + maxLength);
        }
        this.maxLength = maxLength;
    }

    public Result next(InputBuffer in) {
        while (true) {
            int lf = in.indexOf((byte) '\n', scanned);
            if (discarding) {
                if (lf < 0) {
                    in.discard();
                    scanned = 0;
                    return NEED_MORE;
                }
                in.skip(lf + 1);
                discarding = false;
                scanned = 0;
                continue;
            }
            if (lf < 0) {
                if (in.available() >= maxLength) {
                    // The line will be at least maxLength + 1 octets with its LF.
                    in.discard();
                    discarding = true;
                    scanned = 0;
                    return TOO_LONG;
                }
                scanned = in.available();
                return NEED_MORE;
            }
            scanned = 0;
            if (lf + 1 > maxLength) {
                in.skip(lf + 1);
                return TOO_LONG;
            }
            int len = lf > 0 && in.get(lf - 1) == '\r' ? lf - 1 : lf;
            byte[] bytes = in.take(len);
            in.skip(lf + 1 - len);
            return new Line(new String(bytes, StandardCharsets.ISO_8859_1));
        }
    }

    /** Forgets partial-line state: call after the buffer was discarded or read by another receiver. */
    public void reset() {
        discarding = false;
        scanned = 0;
    }
}
