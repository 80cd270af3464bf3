package org.postroom.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.postroom.smtp.codec.DataReceiver;
import org.postroom.smtp.codec.InputBuffer;
import org.postroom.smtp.codec.SmtpCommand;
import org.postroom.smtp.codec.SmtpCommandParser;
import org.postroom.smtp.codec.SmtpLineDecoder;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** The SMTP command decoder (line framing + parsing) and the DATA receiver (dot-unstuffing, end marker). */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SmtpCodecBench {

    /** One transaction's commands as a pipelining client sends them. */
    private static final byte[] COMMANDS = ("EHLO client.example.test\r\nMAIL FROM:<alice@example.test> SIZE=4096\r\n"
            + "RCPT TO:<bob@example.test>\r\nDATA\r\n").getBytes(StandardCharsets.US_ASCII);

    @Param({"4096", "65536"})
    public int size;

    private byte[] data;

    @Setup(Level.Trial)
    public void setup() {
        StringBuilder sb = new StringBuilder("From: <a@example.test>\r\nSubject: bench\r\n\r\n");
        String line = "x".repeat(76) + "\r\n";
        int i = 0;
        while (sb.length() < size) {
            sb.append(i++ % 10 == 0 ? "." : "").append(line);
        }
        sb.append(".\r\n");
        data = sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    @Benchmark
    public int commandLines() {
        InputBuffer in = new InputBuffer();
        in.append(COMMANDS);
        SmtpLineDecoder decoder = new SmtpLineDecoder(1000);
        int n = 0;
        SmtpLineDecoder.Result r;
        while ((r = decoder.next(in)) instanceof SmtpLineDecoder.Line line) {
            SmtpCommand c = SmtpCommandParser.parse(line.text());
            n += c.hashCode() & 1;
            n++;
        }
        return n;
    }

    /** The whole message arriving in one chunk. */
    @Benchmark
    public Object dataOneChunk() {
        InputBuffer in = new InputBuffer();
        in.append(data);
        return new DataReceiver(25L << 20).receive(in);
    }

    /** The message arriving in 1460-byte TCP segments. */
    @Benchmark
    public Object dataSegments() {
        InputBuffer in = new InputBuffer();
        DataReceiver receiver = new DataReceiver(25L << 20);
        Object result = null;
        for (int off = 0; off < data.length; off += 1460) {
            in.append(java.util.Arrays.copyOfRange(data, off, Math.min(data.length, off + 1460)));
            result = receiver.receive(in);
        }
        return result;
    }
}
