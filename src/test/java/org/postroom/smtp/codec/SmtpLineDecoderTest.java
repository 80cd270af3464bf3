package org.postroom.smtp.codec;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

class SmtpLineDecoderTest {

    private static InputBuffer buffer(String s) {
        InputBuffer in = new InputBuffer();
        in.append(s.getBytes(StandardCharsets.ISO_8859_1));
        return in;
    }

    private static List<String> drain(SmtpLineDecoder d, InputBuffer in) {
        List<String> out = new ArrayList<>();
        while (true) {
            SmtpLineDecoder.Result r = d.next(in);
            if (r instanceof SmtpLineDecoder.NeedMore) {
                return out;
            }
            out.add(r instanceof SmtpLineDecoder.Line l ? l.text() : "<TOO LONG>");
        }
    }

    @Test
    void decoderShouldSplitCrlfAndBareLfLinesAndKeepThePartialRest() {
        SmtpLineDecoder d = new SmtpLineDecoder(512);
        InputBuffer in = buffer("EHLO a\r\nNOOP\nMAIL FR");
        assertEquals(List.of("EHLO a", "NOOP"), drain(d, in));
        assertEquals(7, in.available());
        in.append("OM:<>\r\n".getBytes(StandardCharsets.US_ASCII));
        assertEquals(List.of("MAIL FROM:<>"), drain(d, in));
        assertEquals(0, in.available());
    }

    @Test
    void lineOfExactlyTheLimitWithItsCrlfShouldPass() {
        SmtpLineDecoder d = new SmtpLineDecoder(16);
        String fourteen = "NOOP 123456789";
        assertEquals(List.of(fourteen), drain(d, buffer(fourteen + "\r\n")));
        // the same, arriving byte by byte
        InputBuffer in = new InputBuffer();
        List<String> out = new ArrayList<>();
        for (byte b : (fourteen + "\r\n").getBytes(StandardCharsets.US_ASCII)) {
            in.append(new byte[] {b});
            out.addAll(drain(d, in));
        }
        assertEquals(List.of(fourteen), out);
    }

    @Test
    void lineOneOctetOverTheLimitShouldBeTooLongAndTheNextLineStillDecoded() {
        SmtpLineDecoder d = new SmtpLineDecoder(16);
        assertEquals(List.of("<TOO LONG>", "QUIT"), drain(d, buffer("NOOP 1234567890\r\nQUIT\r\n")));
    }

    @Test
    void tooLongLineShouldBeReportedOnceAndNotBufferedWhileItArrives() {
        SmtpLineDecoder d = new SmtpLineDecoder(512);
        InputBuffer in = new InputBuffer();
        List<String> out = new ArrayList<>();
        byte[] chunk = "x".repeat(1000).getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < 10; i++) {
            in.append(chunk);
            out.addAll(drain(d, in));
            assertEquals(0, in.available(), "nothing of an over-long line stays buffered");
        }
        in.append("tail\r\nRSET\r\n".getBytes(StandardCharsets.US_ASCII));
        out.addAll(drain(d, in));
        assertEquals(List.of("<TOO LONG>", "RSET"), out);
    }

    @Test
    void bytesShouldBeReadAsOneCharPerOctet() {
        SmtpLineDecoder d = new SmtpLineDecoder(512);
        InputBuffer in = new InputBuffer();
        in.append(new byte[] {'A', 0, (byte) 0xE9, '\r', '\n'});
        SmtpLineDecoder.Line line = assertInstanceOf(SmtpLineDecoder.Line.class, d.next(in));
        assertEquals("A\u0000\u00e9", line.text());
    }

    @Test
    void discardShouldDropBytesPipelinedBehindACommand() {
        SmtpLineDecoder d = new SmtpLineDecoder(512);
        InputBuffer in = buffer("STARTTLS\r\nMAIL FROM:<evil@x>\r\nRCPT TO:<a@b>\r\n");
        assertEquals("STARTTLS", ((SmtpLineDecoder.Line) d.next(in)).text());
        in.discard();
        d.reset();
        assertInstanceOf(SmtpLineDecoder.NeedMore.class, d.next(in));
        in.append("EHLO again\r\n".getBytes(StandardCharsets.US_ASCII));
        assertEquals(List.of("EHLO again"), drain(d, in));
    }
}
