package org.postroom.pop3.codec;

import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.Test;
import org.postroom.store.MaildirStore;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Pop3MessageEncoderTest {
    private static final String MESSAGE = "Subject: hi\nFrom: a@b\n\nbody 1\n.dot\n..two\n.\nbody 5\n";

    private static String text(List<ByteString> chunks) {
        return chunks.stream().map(ByteString::utf8String).reduce("", String::concat);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void retrShouldConvertLineEndsAndStuffDots() {
        assertEquals("+OK 60 octets\r\nSubject: hi\r\nFrom: a@b\r\n\r\nbody 1\r\n..dot\r\n...two\r\n..\r\nbody 5\r\n.\r\n",
                text(Pop3MessageEncoder.retr("60 octets", bytes(MESSAGE))));
    }

    @Test
    void topShouldSendTheHeaderTheBlankLineAndTheFirstBodyLines() {
        assertEquals("+OK\r\nSubject: hi\r\nFrom: a@b\r\n\r\nbody 1\r\n..dot\r\n.\r\n",
                text(Pop3MessageEncoder.top("", bytes(MESSAGE), 2)));
        assertEquals("+OK\r\nSubject: hi\r\nFrom: a@b\r\n\r\n.\r\n", text(Pop3MessageEncoder.top("", bytes(MESSAGE), 0)));
        assertEquals(text(Pop3MessageEncoder.retr("", bytes(MESSAGE))), text(Pop3MessageEncoder.top("", bytes(MESSAGE), 1000)));
    }

    @Test
    void aMessageWithoutBodyOrFinalNewlineShouldStillEndCleanly() {
        assertEquals("+OK\r\nSubject: x\r\n.\r\n", text(Pop3MessageEncoder.top("", bytes("Subject: x"), 3)));
        assertEquals("+OK\r\nA\r\n\r\nb\r\n.\r\n", text(Pop3MessageEncoder.retr("", bytes("A\r\n\r\nb"))));
    }

    @Test
    void crlfSizeShouldMatchWhatRetrSendsAndTheStoreNames() {
        byte[] m = bytes(MESSAGE);
        assertEquals(MaildirStore.crlfSize(m), Pop3MessageEncoder.crlfSize(m));
        String sent = text(Pop3MessageEncoder.retr("", m));
        String body = sent.substring("+OK\r\n".length(), sent.length() - ".\r\n".length()).replace("\r\n..", "\r\n.");
        assertEquals(Pop3MessageEncoder.crlfSize(m), body.length());
        assertEquals(Pop3MessageEncoder.crlfSize(bytes("A\r\nb")), "A\r\nb\r\n".length());
    }

    @Test
    void aLargeMessageShouldBeCutIntoBoundedChunks() {
        String line = "x".repeat(99) + "\n";
        byte[] big = bytes(line.repeat(3000));
        List<ByteString> chunks = Pop3MessageEncoder.retr("", big);
        assertTrue(chunks.size() > 3, "several chunks");
        for (ByteString c : chunks) {
            assertTrue(c.size() <= Pop3MessageEncoder.CHUNK + 200, "chunk " + c.size());
        }
        assertEquals(big.length + 3000 + "+OK\r\n".length() + 3, chunks.stream().mapToInt(ByteString::size).sum());
    }
}
