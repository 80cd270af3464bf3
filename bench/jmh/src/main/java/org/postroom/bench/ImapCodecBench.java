package org.postroom.bench;

import org.apache.pekko.util.ByteString;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.postroom.imap.codec.ImapDecoder;
import org.postroom.imap.codec.ImapParseException;
import org.postroom.imap.codec.ImapParser;
import org.postroom.imap.codec.ImapRequest;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** The IMAP decoder (framing, literals) and parser on the commands of the bench's mixed IMAP load. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ImapCodecBench {

    private static final byte[][] COMMANDS = {
            b("a1 LOGIN imap1@example.test bench"),
            b("a2 SELECT INBOX"),
            b("a3 FETCH 1:* (FLAGS ENVELOPE)"),
            b("a4 UID FETCH 1:100 (UID RFC822.SIZE FLAGS BODY.PEEK[HEADER.FIELDS (FROM TO CC SUBJECT DATE MESSAGE-ID)])"),
            b("a5 STORE 1:10 +FLAGS (\\Seen)"),
            b("a6 SEARCH UNSEEN SINCE 1-Nov-2026 NOT DELETED"),
            b("a7 SEARCH SUBJECT load"),
    };

    private static final ByteString PIPELINE;

    static {
        StringBuilder sb = new StringBuilder();
        for (byte[] c : COMMANDS) {
            sb.append(new String(c, StandardCharsets.US_ASCII)).append("\r\n");
        }
        PIPELINE = ByteString.fromString(sb.toString(), StandardCharsets.US_ASCII);
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** Parses the seven commands (no framing). */
    @Benchmark
    public int parseCommands() throws ImapParseException {
        int n = 0;
        for (byte[] c : COMMANDS) {
            ImapRequest r = ImapParser.parse(c);
            n += r.hashCode() & 1;
        }
        return n;
    }

    /** Frames the seven commands arriving pipelined in one chunk, then parses each. */
    @Benchmark
    public int decodeAndParsePipeline() throws ImapParseException {
        ImapDecoder d = new ImapDecoder(8192, 64 * 1024, 25 << 20);
        d.append(PIPELINE);
        int n = 0;
        ImapDecoder.Frame f;
        while ((f = d.next()) instanceof ImapDecoder.Frame.Command c) {
            n += ImapParser.parse(c.bytes()).hashCode() & 1;
            n++;
        }
        return n;
    }
}
