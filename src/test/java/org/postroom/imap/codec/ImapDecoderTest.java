package org.postroom.imap.codec;

import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImapDecoderTest {

    private static byte[] transcript() throws IOException {
        try (InputStream in = ImapDecoderTest.class.getResourceAsStream("/transcripts/imap/client-session.txt")) {
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return text.replace("\r\n", "\n").replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8);
        }
    }

    /** Decodes and parses everything, switching to raw lines after IDLE as the handler does. */
    private static List<String> replay(byte[] bytes, int chunk) throws Exception {
        ImapDecoder decoder = new ImapDecoder(8192, 65536, 1 << 20);
        List<String> events = new ArrayList<>();
        for (int i = 0; i < bytes.length; i += chunk) {
            decoder.append(ByteString.fromArray(bytes, i, Math.min(chunk, bytes.length - i)));
            while (true) {
                ImapDecoder.Frame f = decoder.next();
                if (f instanceof ImapDecoder.Frame.NeedMore) {
                    break;
                }
                if (f instanceof ImapDecoder.Frame.Command c) {
                    ImapRequest r = ImapParser.parse(c.bytes());
                    events.add(r.tag() + " " + describe(r.command()));
                    if (r.command() instanceof ImapCommand.Idle) {
                        decoder.rawLineMode(true);
                    }
                } else if (f instanceof ImapDecoder.Frame.Line l) {
                    events.add("line " + l.text());
                    decoder.rawLineMode(false);
                } else {
                    events.add(f.toString());
                }
            }
        }
        return events;
    }

    private static String describe(ImapCommand c) {
        if (c instanceof ImapCommand.Append a) {
            return "Append[" + a.mailbox() + " " + a.flags() + " " + a.date() + " "
                    + new String(a.message(), StandardCharsets.UTF_8).replace("\r\n", "|") + "]";
        }
        return c.toString();
    }

    @Test
    void transcriptShouldDecodeTheSameForEveryChunkSize() throws Exception {
        byte[] bytes = transcript();
        List<String> whole = replay(bytes, bytes.length);
        assertEquals(16, whole.size(), String.join("\n", whole));
        assertEquals("Continue[]", whole.get(1));
        assertTrue(whole.get(2).startsWith("a2 Login[user=alice@example.test, password=alice-pw]"), whole.get(2));
        assertEquals("a7 Append[Sent [\\Seen] 2026-03-05T10:00+01:00 Subject: x||body line]", whole.get(7));
        assertEquals("Continue[]", whole.get(8));
        assertTrue(whole.get(9).contains("Or[left=And[keys=[Header[field=From, value=bob], "
                + "Header[field=Subject, value=hello]]], right=Not[key=Flag[flag=\\Seen, present=true]]]"), whole.get(9));
        assertEquals("line DONE", whole.get(14));
        for (int chunk = 1; chunk <= 512; chunk *= 2) {
            assertEquals(whole, replay(bytes, chunk), "chunk size " + chunk);
        }
    }

    @Test
    void lineLongerThanTheLimitShouldBeRefusedAndTheNextCommandStillDecoded() {
        ImapDecoder decoder = new ImapDecoder(512, 1000, 1000);
        decoder.append(ByteString.fromString("t1 NOOP " + "x".repeat(600) + "\r\nt2 NOOP\r\n"));
        ImapDecoder.Frame f = decoder.next();
        assertInstanceOf(ImapDecoder.Frame.Refused.class, f);
        assertEquals("t1 BAD Command line too long\r\n", ((ImapDecoder.Frame.Refused) f).response());
        ImapDecoder.Frame g = decoder.next();
        assertEquals("t2 NOOP\r\n", new String(((ImapDecoder.Frame.Command) g).bytes(), StandardCharsets.US_ASCII));
    }

    @Test
    void synchronisingLiteralOverTheLimitShouldBeRefusedWithoutContinuation() {
        ImapDecoder decoder = new ImapDecoder(8192, 100, 1000);
        decoder.append(ByteString.fromString("t1 LOGIN {101}\r\nt2 APPEND INBOX {1001}\r\nt3 APPEND INBOX {10}\r\n"));
        assertEquals("t1 BAD Literal larger than 100 octets\r\n",
                ((ImapDecoder.Frame.Refused) decoder.next()).response());
        assertEquals("t2 NO [TOOBIG] Message larger than 1000 octets\r\n",
                ((ImapDecoder.Frame.Refused) decoder.next()).response());
        assertInstanceOf(ImapDecoder.Frame.Continue.class, decoder.next());
    }

    @Test
    void nonSynchronisingLiteralOverTheLimitShouldBeDiscardedThenRefused() {
        ImapDecoder decoder = new ImapDecoder(8192, 10, 1000);
        decoder.append(ByteString.fromString("t1 LOGIN {20+}\r\n" + "y".repeat(20) + " {3+}\r\nabc\r\nt2 NOOP\r\n"));
        assertEquals("t1 BAD Literal larger than 10 octets\r\n",
                ((ImapDecoder.Frame.Refused) decoder.next()).response());
        assertInstanceOf(ImapDecoder.Frame.Command.class, decoder.next());
    }

    @Test
    void hopelessLiteralShouldBeFatal() {
        ImapDecoder decoder = new ImapDecoder(8192, 10, 1000);
        decoder.append(ByteString.fromString("t1 APPEND INBOX {999999999+}\r\n"));
        assertInstanceOf(ImapDecoder.Frame.Fatal.class, decoder.next());
    }

    @Test
    void trailingLiteralShouldRecogniseBothForms() {
        assertEquals(12, ImapDecoder.trailingLiteral("a {12}\r\n".getBytes(), 8)[0]);
        assertEquals(1, ImapDecoder.trailingLiteral("a {12+}\r\n".getBytes(), 9)[1]);
        assertEquals(null, ImapDecoder.trailingLiteral("a {x}\r\n".getBytes(), 7));
        assertEquals(null, ImapDecoder.trailingLiteral("a }\r\n".getBytes(), 5));
    }
}
