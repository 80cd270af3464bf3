package org.postroom.imap.session;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postroom.imap.ImapFixture;
import org.postroom.net.FakeSessionContext;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Golden dialogues under {@code transcripts/imap/}: {@code D:} delivers a message before the session
 * starts, {@code C:} lines are what the client sends (CRLF added), {@code S:} lines what the server
 * must answer, in order ({@code *} matches any text). Each transcript is replayed with the client's
 * bytes cut into chunks of 1, 2, 4 … 512 bytes and must give the same answer every time.
 */
class ImapTranscriptTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"session-read.txt", "session-folders.txt"})
    void transcriptShouldMatchForEveryChunkSize(String name) throws IOException {
        List<String> deliveries = new ArrayList<>();
        StringBuilder client = new StringBuilder();
        List<String> expected = new ArrayList<>();
        try (InputStream in = getClass().getResourceAsStream("/transcripts/imap/" + name)) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n", -1)) {
                if (line.startsWith("D: ")) {
                    deliveries.add(line.substring(3));
                } else if (line.startsWith("C: ")) {
                    client.append(line.substring(3)).append("\r\n");
                } else if (line.startsWith("S: ")) {
                    expected.add(line.substring(3));
                }
            }
        }
        byte[] bytes = client.toString().getBytes(StandardCharsets.UTF_8);
        for (int chunk = 1; chunk <= 512; chunk *= 2) {
            ImapFixture fx = new ImapFixture(dir.resolve(name + "-" + chunk));
            for (String d : deliveries) {
                String[] f = d.split(" ", 2);
                fx.deliver(f[0], ImapFixture.message(f[1], f[1] + " body"));
            }
            FakeSessionContext s = fx.session();
            s.start();
            StringBuilder out = new StringBuilder();
            for (int i = 0; i < bytes.length; i += chunk) {
                out.append(s.feed(Arrays.copyOfRange(bytes, i, Math.min(bytes.length, i + chunk))));
            }
            List<String> got = new ArrayList<>(Arrays.asList(out.toString().split("\r\n", -1)));
            assertEquals("", got.remove(got.size() - 1), "output ends with CRLF");
            assertEquals(expected.size(), got.size(), name + " chunk " + chunk + ":\n" + out);
            for (int i = 0; i < expected.size(); i++) {
                String re = Arrays.stream(expected.get(i).split("\\*", -1)).map(Pattern::quote)
                        .reduce((a, b) -> a + ".*" + b).orElse("");
                assertTrue(got.get(i).matches(re), name + " chunk " + chunk + " line " + (i + 1) + ": expected <"
                        + expected.get(i) + "> got <" + got.get(i) + ">");
            }
        }
    }
}
