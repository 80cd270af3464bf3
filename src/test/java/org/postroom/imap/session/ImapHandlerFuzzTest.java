package org.postroom.imap.session;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postroom.imap.ImapFixture;
import org.postroom.net.FakeSessionContext;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Random, mostly IMAP-shaped input with fixed seeds, fed in random chunks to a logged-in session: the
 * handler must never throw, every reply line must end in CRLF, and a final NOOP must still be
 * answered unless the session closed for too many bad commands.
 */
class ImapHandlerFuzzTest {
    @TempDir
    Path dir;

    private static final List<String> TOKENS = List.of("FETCH", "UID", "STORE", "SEARCH", "SELECT", "INBOX",
            "1:*", "2,4:7", "*", "0", "99999999999999999999", "(", ")", "[", "]", "<0.5>", "BODY[", "BODY.PEEK[",
            "HEADER.FIELDS", "(FLAGS)", "+FLAGS", "\\Seen", "\"", "\"quoted\"", "{3}\r\nabc", "{2+}\r\nab",
            "{99999999999}", "OR", "NOT", "SINCE", "1-Jan-2026", "APPEND", "COPY", "MOVE", "EXPUNGE", "LIST",
            "\"\"", "%", "CREATE", "RENAME", "DELETE", "STATUS", "(MESSAGES)", "IDLE", "DONE", "NOOP", "CHARSET",
            "x", " ", " ", " ", "\r\n", "\n", "\0", "ü", "TEXT", "1", "2", "MIME", ".");

    @Test
    void randomInputShouldNeverBreakTheSession() {
        for (long seed = 1; seed <= 40; seed++) {
            ImapFixture fx = new ImapFixture(dir.resolve("s" + seed), "inbound.max-bad-commands = 1000");
            fx.deliver("alice@example.test", ImapFixture.message("one", "1"));
            fx.deliver("alice@example.test", "Subject: mp\nContent-Type: multipart/mixed; boundary=b\n\n--b\n\nx\n--b--\n");
            FakeSessionContext s = fx.alice();
            s.feed("s SELECT INBOX\r\n");
            Random r = new Random(seed);
            ByteArrayOutputStream in = new ByteArrayOutputStream();
            for (int line = 0; line < 60; line++) {
                in.writeBytes(("t" + line + " ").getBytes(StandardCharsets.UTF_8));
                int n = 1 + r.nextInt(8);
                for (int i = 0; i < n; i++) {
                    in.writeBytes(TOKENS.get(r.nextInt(TOKENS.size())).getBytes(StandardCharsets.UTF_8));
                    if (r.nextBoolean()) {
                        in.write(' ');
                    }
                }
                in.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
            }
            byte[] bytes = in.toByteArray();
            StringBuilder out = new StringBuilder();
            int i = 0;
            while (i < bytes.length && !s.isClosing()) {
                int n = Math.min(bytes.length - i, 1 + r.nextInt(64));
                long finalSeed = seed;
                try {
                    out.append(s.feed(Arrays.copyOfRange(bytes, i, i + n)));
                } catch (RuntimeException e) {
                    throw new AssertionError("seed " + finalSeed + " threw", e);
                }
                i += n;
            }
            if (s.isClosing()) {
                continue;
            }
            // leave IDLE, a pending literal or AUTHENTICATE, then the session must still work
            String tail = s.feed("DONE\r\n" + "\r\n".repeat(3) + "zz NOOP\r\n");
            for (int k = 0; k < 5 && !tail.contains("zz ") && !s.isClosing(); k++) {
                tail = s.feed("x".repeat(200) + "\r\nzz NOOP\r\n");
            }
            String all = out + tail;
            assertFalse(all.contains("SERVERBUG"), "seed " + seed + ":\n" + all);
            assertTrue(all.contains(" BAD ") && all.split("\r\n").length > 20, "seed " + seed + ":\n" + all);
            for (String l : all.split("\r\n")) {
                assertFalse(l.contains("\n") && !l.contains("{"), "bare LF in reply, seed " + seed + ": " + l);
            }
            assertTrue(s.isClosing() || tail.contains("zz OK") || tail.contains("zz BAD"),
                    "seed " + seed + " no answer to NOOP:\n" + tail);
        }
    }
}
