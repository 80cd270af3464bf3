package org.postroom.delivery;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** The two-pass array version of dot-stuffing gives the bytes of the plain byte-by-byte loop. */
class DotStuffingFastPathTest {

    private static byte[] reference(byte[] message) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
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

    @Test
    void stuffingMatchesTheByteLoopOnRandomTextWithDotsAndLineEnds() {
        Random random = new Random(7);
        byte[] alphabet = {'.', '\r', '\n', 'a', ' ', (byte) 0xe9};
        for (int round = 0; round < 5000; round++) {
            byte[] b = new byte[random.nextInt(40)];
            for (int i = 0; i < b.length; i++) {
                b[i] = alphabet[random.nextInt(alphabet.length)];
            }
            assertArrayEquals(reference(b), DotStuffing.stuff(b), () -> java.util.Arrays.toString(b));
        }
    }

    @Test
    void aMessageWithNothingToStuffShouldBeCopiedWithTheEndMarker() {
        for (String m : new String[] {"", "Subject: x\r\n\r\nbody\r\n", "Subject: x\r\n\r\nno final line end",
                "a.b\r\n x.\r\n"}) {
            byte[] b = m.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
            assertArrayEquals(reference(b), DotStuffing.stuff(b), m);
        }
        assertArrayEquals("x\r\n.\r\n".getBytes(), DotStuffing.stuff("x".getBytes()));
    }
}
