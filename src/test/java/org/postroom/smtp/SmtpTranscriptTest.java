package org.postroom.smtp;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.postroom.config.Settings;
import org.postroom.net.FakeSessionContext;
import org.postroom.smtp.SmtpTestSupport.RecordingSpool;
import org.postroom.smtp.session.SmtpListener;
import org.postroom.smtp.session.StoreAndSpoolAcceptor;
import org.postroom.store.MaildirStore;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Golden transcripts in {@code src/test/resources/transcripts/smtp/}: {@code NAME.in} is what the
 * client sends, {@code NAME.out} what the server must answer (both with LF in the file, CRLF on the
 * wire); {@code smtp-*} run on the smtp listener, {@code msa-*} on msa; an optional {@code NAME.conf}
 * holds HOCON overrides; each {@code NAME.<address>.eml} is the one message that must be in that
 * account's Maildir afterwards, byte for byte (LF on disk). Every transcript is also replayed cut
 * into chunks of 1, 2, 4 … 512 bytes and must give the identical output.
 */
class SmtpTranscriptTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-29T06:40:00Z"), ZoneOffset.UTC);

    @TempDir
    Path temp;

    @TestFactory
    Stream<DynamicTest> transcriptsShouldGiveTheExpectedRepliesAndMaildirContent() throws Exception {
        Path dir = dir();
        List<DynamicTest> tests = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path in : files.filter(p -> p.toString().endsWith(".in")).sorted().toList()) {
                String name = in.getFileName().toString().replaceAll("\\.in$", "");
                tests.add(DynamicTest.dynamicTest(name, () -> runTranscript(dir, name)));
            }
        }
        return tests.stream();
    }

    private static Path dir() throws URISyntaxException {
        return Path.of(SmtpTranscriptTest.class.getResource("/transcripts/smtp").toURI());
    }

    private void runTranscript(Path dir, String name) throws IOException {
        byte[] input = crlf(Files.readString(dir.resolve(name + ".in")));
        String expected = new String(crlf(Files.readString(dir.resolve(name + ".out"))), StandardCharsets.UTF_8);
        Path conf = dir.resolve(name + ".conf");
        Settings settings = SmtpTestSupport.settings(Files.exists(conf) ? Files.readString(conf) : "");
        SmtpListener listener = name.startsWith("msa-") ? SmtpListener.MSA : SmtpListener.SMTP;

        Path data = temp.resolve(name + "-whole");
        assertEquals(expected, run(settings, listener, data, input, input.length), name + " in one chunk");
        try (Stream<Path> files = Files.list(dir)) {
            for (Path eml : files.filter(p -> p.getFileName().toString().startsWith(name + ".")
                    && p.toString().endsWith(".eml")).toList()) {
                String file = eml.getFileName().toString();
                String account = file.substring(name.length() + 1, file.length() - ".eml".length());
                Path newDir = new MaildirStore(data, "test").inbox(account).resolve("new");
                List<Path> messages;
                try (Stream<Path> s = Files.list(newDir)) {
                    messages = s.toList();
                }
                assertEquals(1, messages.size(), account + " should have one message");
                assertArrayEquals(Files.readAllBytes(eml), Files.readAllBytes(messages.get(0)),
                        name + ": message of " + account);
            }
        }
        for (int chunk = 1; chunk <= 512; chunk *= 2) {
            assertEquals(expected, run(settings, listener, temp.resolve(name + "-" + chunk), input, chunk),
                    name + " in chunks of " + chunk);
        }
    }

    private static String run(Settings settings, SmtpListener listener, Path data, byte[] input, int chunk) {
        AtomicInteger ids = new AtomicInteger();
        StoreAndSpoolAcceptor acceptor = new StoreAndSpoolAcceptor(new MaildirStore(data, "test"), new RecordingSpool(),
                settings.hostname(), CLOCK, () -> "Q" + ids.incrementAndGet());
        FakeSessionContext ctx = SmtpTestSupport.session(settings, listener, acceptor);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ctx.start().getBytes(StandardCharsets.UTF_8));
        for (int pos = 0; pos < input.length; pos += chunk) {
            byte[] piece = Arrays.copyOfRange(input, pos, Math.min(input.length, pos + chunk));
            out.writeBytes(ctx.feed(piece).getBytes(StandardCharsets.UTF_8));
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static byte[] crlf(String lf) {
        return lf.replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8);
    }
}
