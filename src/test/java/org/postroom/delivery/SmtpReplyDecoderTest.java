package org.postroom.delivery;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SmtpReplyDecoderTest {
    private static final String STREAM = "220 peer.test ESMTP\r\n"
            + "250-peer.test\r\n250-PIPELINING\r\n250-SIZE 1000\r\n250 8BITMIME\r\n"
            + "550 5.1.1 unknown\r\n" + "354 go ahead\n";

    private static List<SmtpReply> decodeInChunks(byte[] bytes, int chunk) throws Exception {
        SmtpReplyDecoder d = new SmtpReplyDecoder();
        List<SmtpReply> out = new ArrayList<>();
        for (int i = 0; i < bytes.length; i += chunk) {
            d.feed(bytes, i, Math.min(chunk, bytes.length - i));
            for (var r = d.next(); r.isPresent(); r = d.next()) {
                out.add(r.get());
            }
        }
        return out;
    }

    @Test
    void repliesShouldDecodeTheSameHoweverTheBytesAreCut() throws Exception {
        byte[] bytes = STREAM.getBytes(StandardCharsets.US_ASCII);
        List<SmtpReply> expected = List.of(
                new SmtpReply(220, List.of("peer.test ESMTP")),
                new SmtpReply(250, List.of("peer.test", "PIPELINING", "SIZE 1000", "8BITMIME")),
                new SmtpReply(550, List.of("5.1.1 unknown")),
                new SmtpReply(354, List.of("go ahead")));
        for (int chunk : new int[] {1, 2, 3, 4, 8, 16, 64, 512}) {
            assertEquals(expected, decodeInChunks(bytes, chunk), "chunk size " + chunk);
        }
    }

    @Test
    void aLineThatIsNotAReplyShouldBeAProtocolError() {
        SmtpReplyDecoder d = new SmtpReplyDecoder();
        d.feed("HTTP/1.1 400 Bad\r\n".getBytes());
        assertThrows(SmtpReplyDecoder.ProtocolError.class, d::next);
        SmtpReplyDecoder mixed = new SmtpReplyDecoder();
        mixed.feed("250-a\r\n251 b\r\n".getBytes());
        assertThrows(SmtpReplyDecoder.ProtocolError.class, mixed::next);
    }

    @Test
    void bytesAfterTheReplyAskedForShouldStayUnparsedAndCounted() throws Exception {
        SmtpReplyDecoder d = new SmtpReplyDecoder();
        d.feed("220 go ahead\r\n\u0016\u0003\u0001garbage".getBytes(StandardCharsets.ISO_8859_1));
        assertEquals(new SmtpReply(220, List.of("go ahead")), d.next().orElseThrow());
        assertEquals(10, d.buffered());
    }

    @Test
    void aBareCodeShouldBeAReplyWithAnEmptyText() throws Exception {
        SmtpReplyDecoder d = new SmtpReplyDecoder();
        d.feed("250\r\n".getBytes());
        assertEquals(new SmtpReply(250, List.of("")), d.next().orElseThrow());
    }
}
