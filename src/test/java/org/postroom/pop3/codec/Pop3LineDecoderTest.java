package org.postroom.pop3.codec;

import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

class Pop3LineDecoderTest {
    private static final String TRANSCRIPT = "CAPA\r\nUSER alice@example.test\r\nPASS p4ss w0rd\r\nSTAT\r\n"
            + "LIST\r\nUIDL 2\r\nRETR 1\r\nTOP 2 5\r\nDELE 1\r\nbogus\r\nRSET\nNOOP\r\n"
            + "X".repeat(300) + "\r\nQUIT\r\n";

    private static List<Pop3Decoded> decodeInChunks(byte[] bytes, int chunk, int maxLine) {
        Pop3LineDecoder decoder = new Pop3LineDecoder(maxLine);
        List<Pop3Decoded> out = new ArrayList<>();
        for (int i = 0; i < bytes.length; i += chunk) {
            int n = Math.min(chunk, bytes.length - i);
            decoder.feed(ByteString.fromArray(bytes, i, n));
            Pop3Decoded d;
            while (!((d = decoder.next()) instanceof Pop3Decoded.NeedMore)) {
                out.add(d);
            }
        }
        return out;
    }

    @ParameterizedTest(name = "chunks of {0}")
    @ValueSource(ints = {1, 2, 3, 4, 8, 16, 32, 64, 128, 256, 512})
    void decodingShouldGiveTheSameCommandsHoweverTheBytesAreCut(int chunk) {
        byte[] bytes = TRANSCRIPT.getBytes(StandardCharsets.UTF_8);
        assertEquals(decodeInChunks(bytes, bytes.length, 256), decodeInChunks(bytes, chunk, 256));
    }

    @Test
    void decodingShouldReturnEveryCommandInOrderAndReportTheLongLineOnce() {
        byte[] bytes = TRANSCRIPT.getBytes(StandardCharsets.UTF_8);
        List<Pop3Decoded> all = decodeInChunks(bytes, 7, 256);
        assertEquals(List.of(
                new Pop3Decoded.Command(new Pop3Command.Capa()),
                new Pop3Decoded.Command(new Pop3Command.User("alice@example.test")),
                new Pop3Decoded.Command(new Pop3Command.Pass("p4ss w0rd")),
                new Pop3Decoded.Command(new Pop3Command.Stat()),
                new Pop3Decoded.Command(new Pop3Command.List(OptionalInt.empty())),
                new Pop3Decoded.Command(new Pop3Command.Uidl(OptionalInt.of(2))),
                new Pop3Decoded.Command(new Pop3Command.Retr(1)),
                new Pop3Decoded.Command(new Pop3Command.Top(2, 5)),
                new Pop3Decoded.Command(new Pop3Command.Dele(1)),
                new Pop3Decoded.Command(new Pop3Command.Unknown("BOGUS")),
                new Pop3Decoded.Command(new Pop3Command.Rset()),
                new Pop3Decoded.Command(new Pop3Command.Noop()),
                new Pop3Decoded.LineTooLong(256),
                new Pop3Decoded.Command(new Pop3Command.Quit())), all);
    }

    @Test
    void aLineOfExactlyTheLimitShouldBeAcceptedAndOneMoreOctetRefused() {
        String ok = "USER " + "a".repeat(16 - 7) + "\r\n";
        assertEquals(16, ok.length());
        Pop3LineDecoder decoder = new Pop3LineDecoder(16);
        decoder.feed(ByteString.fromString(ok + "USER " + "a".repeat(10) + "\r\n"));
        assertInstanceOf(Pop3Decoded.Command.class, decoder.next());
        assertEquals(new Pop3Decoded.LineTooLong(16), decoder.next());
        assertInstanceOf(Pop3Decoded.NeedMore.class, decoder.next());
    }

    @Test
    void anEndlessLineShouldNotBeBufferedBeyondTheLimit() {
        Pop3LineDecoder decoder = new Pop3LineDecoder(64);
        for (int i = 0; i < 1000; i++) {
            decoder.feed(ByteString.fromString("y".repeat(100)));
            assertInstanceOf(Pop3Decoded.NeedMore.class, decoder.next());
            assertEquals(0, decoder.buffered(), "dropped as it arrives");
        }
        decoder.feed(ByteString.fromString("tail\r\nNOOP\r\n"));
        assertEquals(new Pop3Decoded.LineTooLong(64), decoder.next());
        assertEquals(new Pop3Decoded.Command(new Pop3Command.Noop()), decoder.next());
    }

    @Test
    void anIncompleteLineShouldWaitForMoreInput() {
        Pop3LineDecoder decoder = new Pop3LineDecoder(64);
        decoder.feed(ByteString.fromString("NOO"));
        assertInstanceOf(Pop3Decoded.NeedMore.class, decoder.next());
        decoder.feed(ByteString.fromString("P\r"));
        assertInstanceOf(Pop3Decoded.NeedMore.class, decoder.next());
        decoder.feed(ByteString.fromString("\n"));
        assertEquals(new Pop3Decoded.Command(new Pop3Command.Noop()), decoder.next());
    }

    @Test
    void discardBufferedShouldDropPipelinedBytes() {
        Pop3LineDecoder decoder = new Pop3LineDecoder(64);
        decoder.feed(ByteString.fromString("STLS\r\nUSER mallory\r\n"));
        assertEquals(new Pop3Decoded.Command(new Pop3Command.Stls()), decoder.next());
        decoder.discardBuffered();
        assertInstanceOf(Pop3Decoded.NeedMore.class, decoder.next());
    }
}
