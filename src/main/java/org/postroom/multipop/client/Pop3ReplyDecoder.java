package org.postroom.multipop.client;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;

/**
 * Incremental decoder of POP3 server replies: bytes go in as they arrive, cut anywhere, and complete
 * replies come out. The client says before each command whether the reply is multi-line
 * ({@link #expect}); a {@code -ERR} is always one line. Multi-line bodies are dot-unstuffed and keep
 * CRLF line ends; a bare LF from a sloppy server is read as a line end and stored as CRLF.
 *
 * <p>Limits: a status line longer than {@code maxLineLength} or a body larger than {@code maxBodySize}
 * is a {@link Pop3ProtocolException} (the connection can't be trusted after it). Not thread-safe.
 */
public final class Pop3ReplyDecoder {
    public enum Framing { SINGLE_LINE, MULTI_LINE }

    private final int maxLineLength;
    private final long maxBodySize;
    private byte[] buf = new byte[4096];
    private int start;
    private int end;
    private int scanned;
    private Framing framing = Framing.SINGLE_LINE;
    private String pendingText;
    private ByteArrayOutputStream body;

    public Pop3ReplyDecoder(int maxLineLength, long maxBodySize) {
        this.maxLineLength = maxLineLength;
        this.maxBodySize = maxBodySize;
    }

    public Pop3ReplyDecoder() {
        this(8192, 64L * 1024 * 1024);
    }

    /** Sets the framing of the next reply; call it before sending the command. */
    public void expect(Framing next) {
        if (body != null) {
            throw new IllegalStateException("a multi-line reply is still being read");
        }
        this.framing = next;
    }

    /** Appends received bytes. */
    public void feed(byte[] bytes, int offset, int length) {
        if (end + length > buf.length) {
            if (start > 0) {
                System.arraycopy(buf, start, buf, 0, end - start);
                scanned -= start;
                end -= start;
                start = 0;
            }
            if (end + length > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, end + length));
            }
        }
        System.arraycopy(bytes, offset, buf, end, length);
        end += length;
    }

    public void feed(byte[] bytes) {
        feed(bytes, 0, bytes.length);
    }

    /** Bytes received but not yet part of a reply (to drop after STLS). */
    public int buffered() {
        return end - start;
    }

    /** Drops every buffered byte (after STLS: nothing read in plaintext may be used under TLS). */
    public void discardBuffered() {
        start = end = scanned = 0;
    }

    /** The next complete reply, or empty when more bytes are needed. */
    public Optional<Pop3Reply> next() throws Pop3ProtocolException {
        while (true) {
            int lf = -1;
            for (int i = Math.max(scanned, start); i < end; i++) {
                if (buf[i] == '\n') {
                    lf = i;
                    break;
                }
            }
            if (lf < 0) {
                scanned = end;
                checkPartialLine();
                return Optional.empty();
            }
            int lineEnd = lf > start && buf[lf - 1] == '\r' ? lf - 1 : lf;
            int lineStart = start;
            start = lf + 1;
            scanned = start;
            Optional<Pop3Reply> reply = body == null
                    ? statusLine(lineStart, lineEnd)
                    : bodyLine(lineStart, lineEnd);
            if (reply.isPresent()) {
                return reply;
            }
        }
    }

    private void checkPartialLine() throws Pop3ProtocolException {
        int partial = end - start;
        if (body == null && partial > maxLineLength) {
            throw new Pop3ProtocolException("reply line longer than " + maxLineLength + " octets");
        }
        if (body != null && body.size() + partial > maxBodySize) {
            throw new Pop3ProtocolException("reply larger than " + maxBodySize + " octets");
        }
    }

    private Optional<Pop3Reply> statusLine(int from, int to) throws Pop3ProtocolException {
        if (to - from > maxLineLength) {
            throw new Pop3ProtocolException("reply line longer than " + maxLineLength + " octets");
        }
        String line = new String(buf, from, to - from, StandardCharsets.ISO_8859_1);
        if (line.startsWith("+OK")) {
            String text = textAfter(line, 3);
            if (framing == Framing.MULTI_LINE) {
                pendingText = text;
                body = new ByteArrayOutputStream();
                return Optional.empty();
            }
            return Optional.of(new Pop3Reply.Ok(text));
        }
        if (line.startsWith("-ERR")) {
            framing = Framing.SINGLE_LINE;
            return Optional.of(new Pop3Reply.Err(textAfter(line, 4)));
        }
        throw new Pop3ProtocolException("not a POP3 reply: \"" + abbreviate(line) + "\"");
    }

    private Optional<Pop3Reply> bodyLine(int from, int to) throws Pop3ProtocolException {
        if (to - from == 1 && buf[from] == '.') {
            Pop3Reply reply = new Pop3Reply.Listing(pendingText, body.toByteArray());
            body = null;
            pendingText = null;
            framing = Framing.SINGLE_LINE;
            return Optional.of(reply);
        }
        int contentFrom = to > from && buf[from] == '.' ? from + 1 : from;
        if (body.size() + (to - contentFrom) + 2 > maxBodySize) {
            throw new Pop3ProtocolException("reply larger than " + maxBodySize + " octets");
        }
        body.write(buf, contentFrom, to - contentFrom);
        body.write('\r');
        body.write('\n');
        return Optional.empty();
    }

    private static String textAfter(String line, int indicatorLength) {
        String rest = line.substring(indicatorLength);
        return rest.startsWith(" ") ? rest.substring(1) : rest;
    }

    private static String abbreviate(String line) {
        return line.length() > 60 ? line.substring(0, 60) + "…" : line;
    }
}
