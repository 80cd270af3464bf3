package org.postroom.security;

import org.junit.jupiter.api.Test;
import org.postroom.net.FakeSessionContext;
import org.postroom.smtp.SmtpTestSupport;
import org.postroom.smtp.SmtpTestSupport.RecordingAcceptor;
import org.postroom.smtp.codec.DataReceiver;
import org.postroom.smtp.codec.InputBuffer;
import org.postroom.smtp.session.SmtpListener;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A 4 GB message is refused before it is read: SIZE= over the limit gets 552 at MAIL, and a DATA
 * stream over the limit is consumed as it arrives (never held) and refused with 552 at its end.
 */
class SizeLimitsTest {
    private static final long FOUR_GB = 4L * 1024 * 1024 * 1024;

    @Test
    void mailWithA4GbSizeShouldBeRefusedAtOnce() {
        FakeSessionContext s = SmtpTestSupport.session(SmtpTestSupport.settings(), SmtpListener.SMTP,
                new RecordingAcceptor());
        s.start();
        s.feed("EHLO client.example\r\n");
        assertTrue(s.feed("MAIL FROM:<a@remote.test> SIZE=" + FOUR_GB + "\r\n").startsWith("552 5.3.4"));
        assertTrue(s.feed("MAIL FROM:<a@remote.test> SIZE=99999999999999999999999\r\n").startsWith("5"),
                "a SIZE beyond a long is refused too");
    }

    @Test
    void dataReceiverShouldConsumeAnOverLargeMessageAsItArrivesAndRefuseIt() {
        DataReceiver receiver = new DataReceiver(10_000, FOUR_GB);
        InputBuffer in = new InputBuffer();
        byte[] chunk = new byte[64 * 1024];
        Arrays.fill(chunk, (byte) 'x');
        for (int i = 0; i < 32 * 1024 / 64; i++) { // 32 MiB in 64 KiB chunks
            chunk[chunk.length - 2] = '\r';
            chunk[chunk.length - 1] = '\n';
            in.append(chunk);
            assertInstanceOf(DataReceiver.NeedMore.class, receiver.receive(in));
            assertTrue(in.available() <= 5, "input left unconsumed: " + in.available());
        }
        in.append(".\r\n".getBytes(StandardCharsets.US_ASCII));
        DataReceiver.TooBig tooBig = assertInstanceOf(DataReceiver.TooBig.class, receiver.receive(in));
        assertTrue(tooBig.size() > 10_000);
    }

    @Test
    void anOverLargeDataStreamShouldGet552AndTheSessionGoOn() {
        RecordingAcceptor acceptor = new RecordingAcceptor();
        FakeSessionContext s = SmtpTestSupport.session(SmtpTestSupport.settings(), SmtpListener.SMTP, acceptor);
        s.start();
        s.feed("EHLO client.example\r\nMAIL FROM:<a@remote.test>\r\nRCPT TO:<alice@example.test>\r\n");
        assertTrue(s.feed("DATA\r\n").startsWith("354"));
        String line = "y".repeat(998) + "\r\n";
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < 8 * 1024; i++) { // 8 MiB against a 10 000-octet limit
            out.append(s.feed(line));
        }
        assertEquals("", out.toString(), "nothing is answered before the end of DATA");
        assertTrue(s.feed(".\r\n").startsWith("552 5.3.4"));
        assertTrue(acceptor.accepted.isEmpty());
        assertTrue(s.feed("NOOP\r\n").startsWith("250"));
    }
}
