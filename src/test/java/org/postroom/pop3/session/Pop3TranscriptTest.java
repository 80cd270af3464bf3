package org.postroom.pop3.session;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.postroom.net.FakeSessionContext;
import org.postroom.pop3.Pop3Fixture;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs the golden transcripts in {@code src/test/resources/transcripts/pop3/} through {@link Pop3Handler}
 * with {@link FakeSessionContext}, on alice's mailbox seeded by {@link Pop3Fixture#seedStandardMailbox}.
 *
 * <p>Format: {@code C: line} is client input (consecutive C lines are sent at once, pipelined),
 * {@code S: line} the expected server output that follows it, CRLF added to both. {@code C2:}/{@code S2:}
 * are a second connection. Directives: {@code C: <connect>}, {@code <idle>}, {@code <shutdown>},
 * {@code <disconnect>}; checks: {@code =: closed}, {@code =: open}, {@code =: messages N}.
 * Transcripts with one connection and no directives are also replayed cut into 1, 2, 4 … 512-byte
 * pieces and must give byte-identical output.
 */
class Pop3TranscriptTest {
    @TempDir
    Path temp;

    private record Entry(char kind, String session, String text) {
        boolean isDirective() {
            return kind == 'C' && text.startsWith("<") && text.endsWith(">");
        }
    }

    private static final class Conn {
        final Pop3Handler handler;
        final FakeSessionContext ctx;

        Conn(Pop3Fixture f) {
            handler = f.handler();
            ctx = new FakeSessionContext(handler, "pop3");
        }
    }

    @TestFactory
    Stream<DynamicTest> goldenTranscripts() throws IOException, URISyntaxException {
        Path dir = Path.of(getClass().getResource("/transcripts/pop3").toURI());
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.toString().endsWith(".txt")).sorted().toList();
        }
        assertFalse(files.isEmpty());
        List<DynamicTest> tests = new ArrayList<>();
        for (Path file : files) {
            List<Entry> entries = parse(file);
            String name = file.getFileName().toString();
            tests.add(DynamicTest.dynamicTest(name, () -> run(entries, temp.resolve(name))));
            boolean simple = entries.stream().allMatch(e -> e.session().equals("1") && !e.isDirective());
            if (simple) {
                for (int chunk = 1; chunk <= 512; chunk *= 2) {
                    int size = chunk;
                    tests.add(DynamicTest.dynamicTest(name + " in " + size + "-byte pieces",
                            () -> replayChunked(entries, size, temp.resolve(name + "-" + size))));
                }
            }
        }
        return tests.stream();
    }

    private static List<Entry> parse(Path file) throws IOException {
        List<Entry> entries = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int colon = line.indexOf(':');
            String tag = line.substring(0, colon);
            String text = line.substring(colon + 1);
            if (text.startsWith(" ")) {
                text = text.substring(1);
            }
            String session = tag.length() > 1 ? tag.substring(1) : "1";
            entries.add(new Entry(tag.charAt(0), session, text));
        }
        return entries;
    }

    private static Pop3Fixture fixture(Path dir) throws IOException {
        Pop3Fixture f = new Pop3Fixture(dir);
        f.seedStandardMailbox();
        return f;
    }

    private static void run(List<Entry> entries, Path dir) throws IOException {
        Pop3Fixture f = fixture(dir);
        Map<String, Conn> conns = new HashMap<>();
        Conn first = new Conn(f);
        conns.put("1", first);
        String actual = first.ctx.start();
        int i = 0;
        while (true) {
            // Expected output: the S lines that follow, for the connection that last acted.
            StringBuilder expected = new StringBuilder();
            while (i < entries.size() && entries.get(i).kind() == 'S') {
                expected.append(entries.get(i).text()).append("\r\n");
                i++;
            }
            assertEquals(expected.toString(), actual, "before entry " + i);
            actual = "";
            if (i >= entries.size()) {
                return;
            }
            Entry e = entries.get(i);
            if (e.kind() == '=') {
                check(e, conns.get(e.session()), f);
                i++;
                continue;
            }
            if (e.isDirective()) {
                Conn c = conns.get(e.session());
                switch (e.text()) {
                    case "<connect>" -> {
                        c = new Conn(f);
                        conns.put(e.session(), c);
                        actual = c.ctx.start();
                    }
                    case "<idle>" -> actual = c.ctx.idle();
                    case "<shutdown>" -> actual = c.ctx.shutdown();
                    case "<disconnect>" -> c.handler.onClosed();
                    default -> throw new IllegalArgumentException("unknown directive " + e.text());
                }
                i++;
                continue;
            }
            StringBuilder input = new StringBuilder();
            while (i < entries.size() && entries.get(i).kind() == 'C' && entries.get(i).session().equals(e.session())
                    && !entries.get(i).isDirective()) {
                input.append(entries.get(i).text()).append("\r\n");
                i++;
            }
            actual = conns.get(e.session()).ctx.feed(input.toString());
        }
    }

    private static void check(Entry e, Conn c, Pop3Fixture f) throws IOException {
        String[] words = e.text().split(" ");
        switch (words[0]) {
            case "closed" -> assertTrue(c.ctx.isClosing(), "connection should be closed");
            case "open" -> assertFalse(c.ctx.isClosing(), "connection should be open");
            case "messages" -> assertEquals(Integer.parseInt(words[1]), f.aliceFiles().size(), f.aliceFiles().toString());
            default -> throw new IllegalArgumentException("unknown check " + e.text());
        }
    }

    private static void replayChunked(List<Entry> entries, int chunk, Path dir) throws IOException {
        Pop3Fixture f = fixture(dir);
        StringBuilder input = new StringBuilder();
        StringBuilder expected = new StringBuilder();
        for (Entry e : entries) {
            if (e.kind() == 'C') {
                input.append(e.text()).append("\r\n");
            } else if (e.kind() == 'S') {
                expected.append(e.text()).append("\r\n");
            }
        }
        Conn c = new Conn(f);
        StringBuilder actual = new StringBuilder(c.ctx.start());
        byte[] bytes = input.toString().getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i += chunk) {
            byte[] piece = java.util.Arrays.copyOfRange(bytes, i, Math.min(bytes.length, i + chunk));
            actual.append(c.ctx.feed(piece));
        }
        assertEquals(expected.toString(), actual.toString());
        for (Entry e : entries) {
            if (e.kind() == '=') {
                check(e, c, f);
            }
        }
    }
}
