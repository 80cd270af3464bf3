package org.postroom.delivery;

import java.io.ByteArrayOutputStream;

/**
 * The DATA payload of a message (RFC 5321 §4.5.2): every line starting with "." gets another ".",
 * bare LFs become CRLF, a missing final line end is added, and the payload ends with CRLF "." CRLF.
 */
public final class DotStuffing {
    private DotStuffing() {
    }

    public static byte[] stuff(byte[] message) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(message.length + message.length / 50 + 8);
        boolean lineStart = true;
        for (int i = 0; i < message.length; i++) {
            byte b = message[i];
            if (lineStart && b == '.') {
                out.write('.');
            }
            if (b == '\n' && (i == 0 || message[i - 1] != '\r')) {
                out.write('\r');
            }
            out.write(b);
            lineStart = b == '\n';
        }
        if (message.length > 0 && !lineStart) {
            out.write('\r');
            out.write('\n');
        }
        out.write('.');
        out.write('\r');
        out.write('\n');
        return out.toByteArray();
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
