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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.postroom.store.DeliveryJournal;
import org.postroom.store.MaildirStore;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;

/**
 * The Maildir writer: the CPU part (CRLF to LF, the unique name with its ,S= and ,W= sizes) and a whole
 * durable delivery (tmp write, fsync, rename, shared directory fsync) into a temp dir on the data disk
 * ({@code -Dbench.dir=...}, default java.io.tmpdir), from 1 and from 16 threads (group commit), each the
 * direct way (file and directory fsync per message) and through the delivery journal (one shared
 * fdatasync of the log, files written without fsync, checkpointed by syncfs in the background).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class MaildirWriterBench {

    private byte[] crlf;
    private byte[] lf;
    private MaildirStore store;
    private MaildirStore journaled;
    private DeliveryJournal journal;
    private Path root;

    @Setup(Level.Trial)
    public void setup() throws IOException {
        StringBuilder sb = new StringBuilder("From: <a@example.test>\r\nSubject: bench\r\n\r\n");
        String line = "x".repeat(76) + "\r\n";
        while (sb.length() < 4096) {
            sb.append(line);
        }
        crlf = sb.toString().getBytes(StandardCharsets.US_ASCII);
        lf = MaildirStore.crlfToLf(crlf);
        root = Files.createTempDirectory(Path.of(System.getProperty("bench.dir", System.getProperty("java.io.tmpdir"))),
                "maildir-bench");
        store = new MaildirStore(root.resolve("direct"), "bench.example.test");
        journal = DeliveryJournal.open(root.resolve("journal"), root.resolve("journaled"), DeliveryJournal.Options.defaults());
        journaled = new MaildirStore(root.resolve("journaled"), "bench.example.test", journal);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        journal.close();
        try (var paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Benchmark
    public byte[] crlfToLf4k() {
        return MaildirStore.crlfToLf(crlf);
    }

    @Benchmark
    public String uniqueName4k() {
        return store.uniqueName(lf);
    }

    @Benchmark
    @Threads(1)
    public Path deliverFsynced1Thread() throws IOException {
        return store.deliver("bench@example.test", lf);
    }

    @Benchmark
    @Threads(16)
    public Path deliverFsynced16Threads() throws IOException {
        return store.deliver("bench@example.test", lf);
    }

    @Benchmark
    @Threads(1)
    public Path deliverJournaled1Thread() throws IOException {
        return journaled.deliver("bench@example.test", lf);
    }

    @Benchmark
    @Threads(16)
    public Path deliverJournaled16Threads() throws IOException {
        return journaled.deliver("bench@example.test", lf);
    }
}
