package org.postroom.pop3.codec;

import org.apache.pekko.util.ByteString;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * Encodes a stored message (LF line ends, as in the Maildir; CRLF tolerated) as the multi-line reply
 * of RETR or TOP: status line, every line with CRLF and a leading "." doubled, then ".". The output is
 * cut into chunks of at most {@link #CHUNK} bytes so a large message is written piece by piece.
 */
public final class Pop3MessageEncoder {
    public static final int CHUNK = 64 * 1024;
    private static final byte[] CRLF = {'\r', '\n'};

    private Pop3MessageEncoder() {
    }

    /** The whole message (RETR). */
    public static List<ByteString> retr(String statusText, byte[] message) {
        return encode(statusText, message, OptionalInt.empty());
    }

    /** The header, the blank line and the first {@code lines} lines of the body (TOP). */
    public static List<ByteString> top(String statusText, byte[] message, int lines) {
        return encode(statusText, message, OptionalInt.of(lines));
    }

    /** The message's size once sent: CRLF line ends, without dot-stuffing (what LIST and STAT count). */
    public static long crlfSize(byte[] message) {
        long size = message.length;
        for (int i = 0; i < message.length; i++) {
            if (message[i] == '\n' && (i == 0 || message[i - 1] != '\r')) {
                size++;
            }
        }
        if (message.length > 0 && message[message.length - 1] != '\n') {
            size += 2;
        }
        return size;
    }

    private static List<ByteString> encode(String statusText, byte[] message, OptionalInt bodyLines) {
        List<ByteString> chunks = new ArrayList<>(2);
        byte[] status = ("+OK" + (statusText.isEmpty() ? "" : " " + statusText) + "\r\n")
                .getBytes(StandardCharsets.UTF_8);
        // Room for the CRLFs of lines of ~64 bytes and a few doubled dots: usually no regrowth copy.
        Chunk out = new Chunk(Math.min(CHUNK + 1024, status.length + message.length + message.length / 32 + 8));
        out.put(status, 0, status.length);
        boolean inBody = false;
        int bodyLeft = bodyLines.orElse(Integer.MAX_VALUE);
        int pos = 0;
        while (pos < message.length) {
            if (inBody && bodyLines.isPresent() && bodyLeft-- <= 0) {
                break;
            }
            int lf = org.postroom.store.MaildirStore.indexOfLf(message, pos);
            int contentEnd = lf;
            if (contentEnd > pos && message[contentEnd - 1] == '\r') {
                contentEnd--;
            }
            int length = contentEnd - pos;
            out.ensure(length + 3);
            if (message[pos] == '.') {
                out.bytes[out.size++] = '.';
            }
            System.arraycopy(message, pos, out.bytes, out.size, length);
            out.size += length;
            out.bytes[out.size++] = '\r';
            out.bytes[out.size++] = '\n';
            if (!inBody && contentEnd == pos) {
                inBody = true;
            }
            pos = lf + 1;
            if (out.size >= CHUNK) {
                chunks.add(out.result());
                int left = message.length - pos;
                out = new Chunk(Math.min(CHUNK + 1024, left + left / 32 + 8));
            }
        }
        out.put(DOT_CRLF, 0, DOT_CRLF.length);
        chunks.add(out.result());
        return chunks;
    }

    private static final byte[] DOT_CRLF = {'.', '\r', '\n'};

    /** A growable byte array handed over without a copy (ByteStringBuilder costs a closure per put). */
    private static final class Chunk {
        byte[] bytes;
        int size;

        Chunk(int capacity) {
            bytes = new byte[Math.max(capacity, 16)];
        }

        void ensure(int extra) {
            if (size + extra > bytes.length) {
                bytes = java.util.Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + extra));
            }
        }

        void put(byte[] src, int offset, int length) {
            ensure(length);
            System.arraycopy(src, offset, bytes, size, length);
            size += length;
        }

        ByteString result() {
            return ByteString.fromArrayUnsafe(bytes, 0, size);
        }
    }
}
