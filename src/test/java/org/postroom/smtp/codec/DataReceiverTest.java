package org.postroom.smtp.codec;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

class DataReceiverTest {

    private static InputBuffer buffer(byte[] b) {
        InputBuffer in = new InputBuffer();
        in.append(b);
        return in;
    }

    private static String receive(String wire) {
        DataReceiver r = new DataReceiver(100_000);
        DataReceiver.Result result = r.receive(buffer(wire.getBytes(StandardCharsets.ISO_8859_1)));
        return new String(assertInstanceOf(DataReceiver.Complete.class, result).message(), StandardCharsets.ISO_8859_1);
    }

    @Test
    void dataShouldEndAtCrlfDotCrlfAndLeaveTheFollowingBytes() {
        InputBuffer in = buffer("Subject: x\r\n\r\nbody\r\n.\r\nQUIT\r\n".getBytes(StandardCharsets.US_ASCII));
        DataReceiver.Result r = new DataReceiver(1000).receive(in);
        assertEquals("Subject: x\r\n\r\nbody\r\n",
                new String(((DataReceiver.Complete) r).message(), StandardCharsets.US_ASCII));
        assertEquals("QUIT\r\n", new String(in.take(in.available()), StandardCharsets.US_ASCII));
    }

    @Test
    void emptyMessageShouldBeJustTheDotLine() {
        assertEquals("", receive(".\r\n"));
    }

    @Test
    void leadingDotsShouldBeUnstuffedOncePerLine() {
        assertEquals(".hidden\r\n..two\r\n.\r\nmid.dle\r\n", receive("..hidden\r\n...two\r\n..\r\nmid.dle\r\n.\r\n"));
    }

    @Test
    void line998OctetsLongShouldPassUnchangedAndLongerLinesAreAccepted() {
        String l998 = "a".repeat(998);
        String l5000 = "b".repeat(5000);
        assertEquals(l998 + "\r\n" + l5000 + "\r\n", receive(l998 + "\r\n" + l5000 + "\r\n.\r\n"));
    }

    @Test
    void bareLfShouldBeNormalisedToCrlf() {
        assertEquals("a\r\nb\r\nc\r\n\r\n", receive("a\nb\r\nc\n\r\n.\r\n"));
        assertEquals("one\r\ntwo\r\n", receive("one\ntwo\r\n.\r\n"));
    }

    @Test
    void onlyCrlfDotCrlfShouldEndDataNotBareLfVariants() {
        // SMTP smuggling attempts: none of these end the data.
        assertEquals("a\r\n.\r\nb\r\n", receive("a\n.\nb\r\n.\r\n"));
        assertEquals("a\r\n.\r\nc\r\n", receive("a\n.\r\nc\r\n.\r\n"));
        assertEquals("a\r.\rb\r\n", receive("a\r.\rb\r\n.\r\n"));
    }

    @Test
    void bareCrShouldBeKept() {
        assertEquals("a\rb\r\n", receive("a\rb\r\n.\r\n"));
    }

    @Test
    void eightBitAndNulOctetsShouldPassThrough() {
        byte[] wire = {'h', (byte) 0xC3, (byte) 0xA9, 0, '\r', '\n', '.', '\r', '\n'};
        DataReceiver.Complete c = (DataReceiver.Complete) new DataReceiver(100).receive(buffer(wire));
        assertArrayEquals(Arrays.copyOf(wire, 6), c.message());
    }

    @Test
    void messageOverTheLimitShouldBeReadToItsEndThenBeTooBig() {
        DataReceiver r = new DataReceiver(100);
        InputBuffer in = new InputBuffer();
        byte[] line = ("x".repeat(78) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < 1000; i++) {
            in.append(line);
            assertInstanceOf(DataReceiver.NeedMore.class, r.receive(in));
            assertEquals(0, in.available());
        }
        in.append(".\r\nRSET\r\n".getBytes(StandardCharsets.US_ASCII));
        DataReceiver.TooBig big = assertInstanceOf(DataReceiver.TooBig.class, r.receive(in));
        assertEquals(80_000, big.size());
        assertEquals(6, in.available());
    }

    @Test
    void messageOfExactlyTheLimitShouldPass() {
        DataReceiver r = new DataReceiver(10);
        DataReceiver.Result res = r.receive(buffer("12345678\r\n.\r\n".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(10, assertInstanceOf(DataReceiver.Complete.class, res).message().length);
    }

    @Test
    void resultShouldNotDependOnHowTheBytesAreChunked() {
        String wire = "From: a\r\n\r\n..dot\r\nbare\nlf\r\n\r\n.\r\r\n.x\r\n" + "z".repeat(1200) + "\r\n.\r\nNEXT";
        byte[] bytes = wire.getBytes(StandardCharsets.US_ASCII);
        byte[] expected = ((DataReceiver.Complete) new DataReceiver(10_000).receive(buffer(bytes))).message();
        Random random = new Random(42);
        for (int run = 0; run < 200; run++) {
            DataReceiver r = new DataReceiver(10_000);
            InputBuffer in = new InputBuffer();
            int pos = 0;
            DataReceiver.Result result = null;
            while (pos < bytes.length) {
                int n = Math.min(bytes.length - pos, 1 + random.nextInt(run % 2 == 0 ? 3 : 64));
                in.append(Arrays.copyOfRange(bytes, pos, pos + n));
                pos += n;
                result = r.receive(in);
                if (!(result instanceof DataReceiver.NeedMore)) {
                    break;
                }
            }
            assertArrayEquals(expected, ((DataReceiver.Complete) result).message(), "run " + run);
            ByteArrayOutputStream rest = new ByteArrayOutputStream();
            rest.writeBytes(in.take(in.available()));
            rest.write(bytes, pos, bytes.length - pos);
            assertEquals("NEXT", rest.toString(StandardCharsets.US_ASCII));
        }
    }
}
