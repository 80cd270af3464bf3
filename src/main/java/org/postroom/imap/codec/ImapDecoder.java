package org.postroom.imap.codec;

import org.apache.pekko.util.ByteString;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Incremental IMAP framing: collects one command's bytes — its lines and the literals between them
 * — however the input is chunked, and hands the complete command to {@link ImapParser}. It knows the
 * sizes: a literal over {@code max-literal-size} (over {@code max-message-size} inside APPEND) is
 * refused before it is read: a synchronising {@code {n}} gets its tagged NO/BAD and no continuation,
 * a non-synchronising {@code {n+}} is read and thrown away, then refused; a literal far beyond any
 * limit is hopeless and ends the connection. A line longer than {@code max-line-length} is discarded
 * and answered BAD.
 *
 * <p>{@link #next()} returns one {@link Frame} at a time; {@link Frame.Continue} asks the handler to
 * send {@code + Ready for literal}. In raw-line mode (AUTHENTICATE's response, IDLE's DONE) a line
 * is returned as text without literal handling.
 */
public final class ImapDecoder {

    /** What the decoder has for the handler. */
    public sealed interface Frame {
        /** No complete frame yet. */
        record NeedMore() implements Frame {}

        /** A complete command, literals inline, ready for {@link ImapParser#parse}. */
        record Command(byte[] bytes) implements Frame {}

        /** A synchronising literal was announced and accepted: send the continuation. */
        record Continue() implements Frame {}

        /** The command was dropped unread; send {@code response} (a full line with CRLF). */
        record Refused(String response) implements Frame {}

        /** A raw line (raw-line mode), without its CRLF. */
        record Line(String text) implements Frame {}

        /** The input is hopeless: send {@code response} and close. */
        record Fatal(String response) implements Frame {}
    }

    private static final Frame NEED_MORE = new Frame.NeedMore();

    private enum Mode { LINE, LITERAL, DISCARD_LITERAL, DISCARD_LINE }

    private final int maxLineLength;
    private final long maxLiteralSize;
    private final long maxMessageSize;

    private byte[] in = new byte[256];
    private int pos;
    private int limit;

    private ByteArrayOutputStream command = new ByteArrayOutputStream();
    private static final int KEEP = 64 * 1024;
    private Mode mode = Mode.LINE;
    private long remaining;
    private int lineLength;
    private final StringBuilder discardTail = new StringBuilder();
    private String pendingRefusal;
    private boolean rawLine;

    public ImapDecoder(int maxLineLength, long maxLiteralSize, long maxMessageSize) {
        this.maxLineLength = maxLineLength;
        this.maxLiteralSize = maxLiteralSize;
        this.maxMessageSize = maxMessageSize;
    }

    /** Adds received bytes. */
    public void append(ByteString bytes) {
        int n = bytes.size();
        if (n == 0) {
            return;
        }
        if (pos > 0 && pos == limit) {
            pos = 0;
            limit = 0;
        }
        if (limit + n > in.length) {
            int live = limit - pos;
            byte[] bigger = live + n > in.length ? new byte[Math.max(in.length * 2, live + n)] : in;
            System.arraycopy(in, pos, bigger, 0, live);
            in = bigger;
            pos = 0;
            limit = live;
        }
        bytes.copyToArray(in, limit, n);
        limit += n;
    }

    /** True when bytes are buffered that were not yet returned as a frame. */
    public boolean hasBufferedInput() {
        return limit > pos;
    }

    /** Drops everything buffered and any command in progress (plaintext read ahead of STARTTLS). */
    public void reset() {
        pos = 0;
        limit = 0;
        command.reset();
        mode = Mode.LINE;
        lineLength = 0;
        pendingRefusal = null;
        rawLine = false;
    }

    /** Raw-line mode: the next line is returned as {@link Frame.Line}, literals not interpreted. */
    public void rawLineMode(boolean on) {
        this.rawLine = on;
    }

    /** The next frame, or {@link Frame.NeedMore}. */
    public Frame next() {
        while (true) {
            switch (mode) {
                case LITERAL -> {
                    int take = (int) Math.min(remaining, limit - pos);
                    command.write(in, pos, take);
                    pos += take;
                    remaining -= take;
                    if (remaining > 0) {
                        return NEED_MORE;
                    }
                    mode = Mode.LINE;
                    lineLength = 0;
                }
                case DISCARD_LITERAL -> {
                    int take = (int) Math.min(remaining, limit - pos);
                    pos += take;
                    remaining -= take;
                    if (remaining > 0) {
                        return NEED_MORE;
                    }
                    mode = Mode.DISCARD_LINE;
                    discardTail.setLength(0);
                }
                case DISCARD_LINE -> {
                    int lf = indexOfLf();
                    int end = lf < 0 ? limit : lf + 1;
                    for (int i = Math.max(pos, end - 32); i < end; i++) {
                        discardTail.append((char) (in[i] & 0xFF));
                    }
                    if (discardTail.length() > 64) {
                        discardTail.delete(0, discardTail.length() - 32);
                    }
                    pos = end;
                    if (lf < 0) {
                        return NEED_MORE;
                    }
                    long[] literal = trailingLiteral(discardTail.toString().getBytes(StandardCharsets.ISO_8859_1),
                            discardTail.length());
                    if (literal != null && literal[1] == 1) {
                        mode = Mode.DISCARD_LITERAL;
                        remaining = literal[0];
                        continue;
                    }
                    mode = Mode.LINE;
                    lineLength = 0;
                    String refusal = pendingRefusal;
                    pendingRefusal = null;
                    command.reset();
                    if (refusal != null) {
                        return new Frame.Refused(refusal);
                    }
                }
                case LINE -> {
                    int lf = indexOfLf();
                    if (lf < 0) {
                        int n = limit - pos;
                        lineLength += n;
                        command.write(in, pos, n);
                        pos = limit;
                        if (lineLength > maxLineLength) {
                            return tooLong();
                        }
                        return NEED_MORE;
                    }
                    int n = lf + 1 - pos;
                    lineLength += n;
                    command.write(in, pos, n);
                    pos = lf + 1;
                    if (lineLength > maxLineLength + 2) {
                        String tag = tagOf(command.toByteArray());
                        command.reset();
                        lineLength = 0;
                        return new Frame.Refused(bad(tag, "Command line too long"));
                    }
                    byte[] bytes = command.toByteArray();
                    if (rawLine) {
                        command.reset();
                        lineLength = 0;
                        int len = bytes.length - 1;
                        if (len > 0 && bytes[len - 1] == '\r') {
                            len--;
                        }
                        return new Frame.Line(new String(bytes, 0, len, StandardCharsets.UTF_8));
                    }
                    long[] literal = trailingLiteral(bytes, bytes.length);
                    if (literal == null) {
                        releaseBuffers();
                        lineLength = 0;
                        return new Frame.Command(bytes);
                    }
                    long size = literal[0];
                    boolean nonSync = literal[1] == 1;
                    boolean append = isAppend(bytes);
                    long max = append ? maxMessageSize : maxLiteralSize;
                    if (size > max) {
                        String tag = tagOf(bytes);
                        String reply = append
                                ? (tag == null ? "*" : tag) + " NO [TOOBIG] Message larger than " + max + " octets\r\n"
                                : bad(tag, "Literal larger than " + max + " octets");
                        command.reset();
                        lineLength = 0;
                        if (!nonSync) {
                            return new Frame.Refused(reply);
                        }
                        if (size > 4 * Math.max(maxMessageSize, maxLiteralSize) + (1 << 20)) {
                            return new Frame.Fatal("* BYE Literal of " + size + " octets is hopeless\r\n");
                        }
                        pendingRefusal = reply;
                        mode = Mode.DISCARD_LITERAL;
                        remaining = size;
                        continue;
                    }
                    mode = Mode.LITERAL;
                    remaining = size;
                    lineLength = 0;
                    if (!nonSync) {
                        return new Frame.Continue();
                    }
                }
                default -> throw new IllegalStateException();
            }
        }
    }

    /** Forgets the command just returned; a big APPEND's buffers are dropped, not kept for the session. */
    private void releaseBuffers() {
        if (command.size() > KEEP) {
            command = new ByteArrayOutputStream();
        } else {
            command.reset();
        }
        if (in.length > KEEP && limit - pos < KEEP) {
            byte[] smaller = new byte[Math.max(256, limit - pos)];
            System.arraycopy(in, pos, smaller, 0, limit - pos);
            in = smaller;
            limit -= pos;
            pos = 0;
        }
    }

    private Frame tooLong() {
        String tag = tagOf(command.toByteArray());
        command.reset();
        lineLength = 0;
        mode = Mode.DISCARD_LINE;
        discardTail.setLength(0);
        pendingRefusal = bad(tag, "Command line too long");
        return next();
    }

    private static String bad(String tag, String text) {
        return (tag == null ? "*" : tag) + " BAD " + text + "\r\n";
    }

    private int indexOfLf() {
        for (int i = pos; i < limit; i++) {
            if (in[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    /** {size, 1 if non-synchronising} when the line (through its LF) ends in {n} or {n+}, else null. */
    static long[] trailingLiteral(byte[] b, int len) {
        int end = len - 1; // the LF
        if (end < 0 || b[end] != '\n') {
            return null;
        }
        if (end > 0 && b[end - 1] == '\r') {
            end--;
        }
        int close = end - 1;
        if (close < 0 || b[close] != '}') {
            return null;
        }
        int i = close - 1;
        boolean nonSync = false;
        if (i >= 0 && b[i] == '+') {
            nonSync = true;
            i--;
        }
        int digitsEnd = i;
        while (i >= 0 && b[i] >= '0' && b[i] <= '9') {
            i--;
        }
        if (i < 0 || b[i] != '{' || i == digitsEnd || digitsEnd - i > 18) {
            return null;
        }
        long n = Long.parseLong(new String(b, i + 1, digitsEnd - i, StandardCharsets.US_ASCII));
        return new long[] {n, nonSync ? 1 : 0};
    }

    /** The first token of a command, or null when it does not look like a tag. */
    static String tagOf(byte[] b) {
        int i = 0;
        while (i < b.length && i < 64 && b[i] > ' ' && b[i] < 127 && b[i] != '{' && b[i] != '(' && b[i] != '"') {
            i++;
        }
        if (i == 0 || i == 64 || (i < b.length && b[i] != ' ')) {
            return null;
        }
        return new String(b, 0, i, StandardCharsets.US_ASCII);
    }

    private static boolean isAppend(byte[] b) {
        String head = new String(b, 0, Math.min(b.length, 80), StandardCharsets.ISO_8859_1).toUpperCase(Locale.ROOT);
        int sp = head.indexOf(' ');
        return sp > 0 && head.startsWith("APPEND ", sp + 1);
    }
}
