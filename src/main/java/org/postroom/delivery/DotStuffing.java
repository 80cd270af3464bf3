package org.postroom.delivery;

/**
 * The DATA payload of a message (RFC 5321 §4.5.2): every line starting with "." gets another ".",
 * bare LFs become CRLF, a missing final line end is added, and the payload ends with CRLF "." CRLF.
 */
public final class DotStuffing {
    private DotStuffing() {
    }

    public static byte[] stuff(byte[] message) {
        // Two passes over a plain array: the exact size first, then the copy. (A ByteArrayOutputStream
        // written byte by byte took a lock per byte: the top frame of outbound delivery in JFR.)
        int n = message.length;
        int extra = 0;
        boolean lineStart = true;
        for (int i = 0; i < n; i++) {
            byte b = message[i];
            if (lineStart && b == '.') {
                extra++;
            }
            if (b == '\n' && (i == 0 || message[i - 1] != '\r')) {
                extra++;
            }
            lineStart = b == '\n';
        }
        boolean addLineEnd = n > 0 && !lineStart;
        byte[] out;
        int o;
        if (extra == 0) {
            // Nothing to stuff or repair (the usual case): one block copy instead of a byte loop.
            out = java.util.Arrays.copyOf(message, n + (addLineEnd ? 2 : 0) + 3);
            o = n;
            return trailer(out, o, addLineEnd);
        }
        out = new byte[n + extra + (addLineEnd ? 2 : 0) + 3];
        o = 0;
        lineStart = true;
        for (int i = 0; i < n; i++) {
            byte b = message[i];
            if (lineStart && b == '.') {
                out[o++] = '.';
            }
            if (b == '\n' && (i == 0 || message[i - 1] != '\r')) {
                out[o++] = '\r';
            }
            out[o++] = b;
            lineStart = b == '\n';
        }
        return trailer(out, o, addLineEnd);
    }

    /** Writes the (missing line end and) end-of-data marker from {@code o}. */
    private static byte[] trailer(byte[] out, int o, boolean addLineEnd) {
        if (addLineEnd) {
            out[o++] = '\r';
            out[o++] = '\n';
        }
        out[o++] = '.';
        out[o++] = '\r';
        out[o] = '\n';
        return out;
    }

    /** True when any byte has the high bit set (the body needs 8BITMIME). */
    public static boolean has8Bit(byte[] message) {
        for (byte b : message) {
            if (b < 0) {
                return true;
            }
        }
        return false;
    }
}
