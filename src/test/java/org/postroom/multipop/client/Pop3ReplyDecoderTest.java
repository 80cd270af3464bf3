package org.postroom.multipop.client;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Pop3ReplyDecoderTest {

    private static final String RETR_WIRE = "+OK 120 octets\r\n"
            + "Subject: dots\r\n"
            + "\r\n"
            + "..leading dot\r\n"
            + "...two dots\r\n"
            + ". \r\n"
            + "last line\r\n"
            + ".\r\n";
    private static final String RETR_BODY = "Subject: dots\r\n\r\n.leading dot\r\n..two dots\r\n \r\nlast line\r\n";

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Feeds the wire bytes in chunks of {@code size} and collects every reply. */
    private static List<Pop3Reply> decodeInChunks(String wire, int size, Pop3ReplyDecoder.Framing... framings)
            throws Pop3ProtocolException {
        Pop3ReplyDecoder d = new Pop3ReplyDecoder();
        List<Pop3Reply> replies = new ArrayList<>();
        byte[] bytes = ascii(wire);
        int next = 0;
        d.expect(framings[0]);
        for (int i = 0; i < bytes.length; i += size) {
            d.feed(bytes, i, Math.min(size, bytes.length - i));
            Optional<Pop3Reply> r;
            while ((r = d.next()).isPresent()) {
                replies.add(r.get());
                next++;
                if (next < framings.length) {
                    d.expect(framings[next]);
                }
            }
        }
        return replies;
    }

    @Test
    void multiLineReplyShouldBeDotUnstuffedWhateverTheChunking() throws Exception {
        for (int size = 1; size <= 512; size *= 2) {
            List<Pop3Reply> replies = decodeInChunks(RETR_WIRE, size, Pop3ReplyDecoder.Framing.MULTI_LINE);
            assertEquals(1, replies.size(), "chunk " + size);
            Pop3Reply.Listing l = assertInstanceOf(Pop3Reply.Listing.class, replies.get(0));
            assertEquals("120 octets", l.text());
            assertArrayEquals(ascii(RETR_BODY), l.body(), "chunk " + size);
        }
    }

    @Test
    void pipelinedRepliesShouldComeOutInOrderWhateverTheChunking() throws Exception {
        String wire = "+OK ready <1.2@host>\r\n+OK\r\n-ERR [AUTH] bad password\r\n+OK\r\n1 aaa\r\n2 bbb\r\n.\r\n+OK 2 300\r\n";
        for (int size = 1; size <= 512; size *= 2) {
            List<Pop3Reply> r = decodeInChunks(wire, size,
                    Pop3ReplyDecoder.Framing.SINGLE_LINE, Pop3ReplyDecoder.Framing.SINGLE_LINE,
                    Pop3ReplyDecoder.Framing.SINGLE_LINE, Pop3ReplyDecoder.Framing.MULTI_LINE,
                    Pop3ReplyDecoder.Framing.SINGLE_LINE);
            assertEquals(List.of(new Pop3Reply.Ok("ready <1.2@host>"), new Pop3Reply.Ok(""),
                    new Pop3Reply.Err("[AUTH] bad password")), r.subList(0, 3), "chunk " + size);
            Pop3Reply.Listing uidl = assertInstanceOf(Pop3Reply.Listing.class, r.get(3));
            assertEquals(List.of("1 aaa", "2 bbb"), uidl.lines());
            assertEquals(new Pop3Reply.Ok("2 300"), r.get(4));
        }
    }

    @Test
    void errorToMultiLineCommandShouldBeOneLine() throws Exception {
        List<Pop3Reply> r = decodeInChunks("-ERR no such message\r\n+OK\r\n", 3,
                Pop3ReplyDecoder.Framing.MULTI_LINE, Pop3ReplyDecoder.Framing.SINGLE_LINE);
        assertEquals(List.of(new Pop3Reply.Err("no such message"), new Pop3Reply.Ok("")), r);
    }

    @Test
    void bareLineFeedsShouldBeReadAsLineEndsAndStoredAsCrlf() throws Exception {
        List<Pop3Reply> r = decodeInChunks("+OK\nline one\n..dot\n.\n", 5, Pop3ReplyDecoder.Framing.MULTI_LINE);
        Pop3Reply.Listing l = assertInstanceOf(Pop3Reply.Listing.class, r.get(0));
        assertArrayEquals(ascii("line one\r\n.dot\r\n"), l.body());
    }

    @Test
    void emptyMultiLineReplyShouldHaveAnEmptyBody() throws Exception {
        List<Pop3Reply> r = decodeInChunks("+OK 0 messages\r\n.\r\n", 1, Pop3ReplyDecoder.Framing.MULTI_LINE);
        Pop3Reply.Listing l = assertInstanceOf(Pop3Reply.Listing.class, r.get(0));
        assertEquals(0, l.body().length);
        assertTrue(l.lines().isEmpty());
    }

    @Test
    void garbageStatusLineShouldBeAProtocolError() {
        Pop3ReplyDecoder d = new Pop3ReplyDecoder();
        d.feed(ascii("HTTP/1.1 400 Bad Request\r\n"));
        Pop3ProtocolException e = assertThrows(Pop3ProtocolException.class, d::next);
        assertTrue(e.getMessage().contains("not a POP3 reply"));
    }

    @Test
    void overlongStatusLineShouldBeRefusedBeforeItsEnd() {
        Pop3ReplyDecoder d = new Pop3ReplyDecoder(100, 1000);
        d.feed(ascii("+OK " + "x".repeat(200)));
        assertThrows(Pop3ProtocolException.class, d::next);
    }

    @Test
    void bodyOverTheLimitShouldBeRefused() {
        Pop3ReplyDecoder d = new Pop3ReplyDecoder(100, 50);
        d.expect(Pop3ReplyDecoder.Framing.MULTI_LINE);
        d.feed(ascii("+OK\r\n" + "0123456789\r\n".repeat(10) + ".\r\n"));
        assertThrows(Pop3ProtocolException.class, d::next);
    }

    @Test
    void discardBufferedShouldDropBytesReadAhead() throws Exception {
        Pop3ReplyDecoder d = new Pop3ReplyDecoder();
        d.feed(ascii("+OK begin TLS\r\n+OK injected\r\n"));
        assertEquals(new Pop3Reply.Ok("begin TLS"), d.next().orElseThrow());
        assertTrue(d.buffered() > 0);
        d.discardBuffered();
        assertTrue(d.next().isEmpty());
    }
}
