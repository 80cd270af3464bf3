package org.postroom.pop3.session;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postroom.net.FakeSessionContext;
import org.postroom.pop3.Pop3Fixture;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Random command streams (known verbs with good and bad arguments, noise, over-long lines, bare CR
 * and LF) cut at random points, with fixed seeds: the handler never throws, the lock is always
 * released, and nothing is deleted unless a logged-in session marked messages and QUIT committed them.
 */
class Pop3HandlerFuzzTest {
    private static final List<String> PIECES = List.of(
            "USER alice", "PASS alice-pw", "PASS wrong", "USER bob", "STAT", "LIST", "LIST 2", "LIST 0", "UIDL",
            "UIDL 9", "RETR 1", "RETR 3", "RETR x", "TOP 2 1", "TOP 1", "DELE 1", "DELE 2", "RSET", "NOOP",
            "CAPA", "STLS", "APOP alice 123", "", " ", "\u00e9\u00e8", "RETR 99999999999999999999999", "\r", "\u0000");

    @TempDir
    Path temp;

    @Test
    void randomInputShouldNeverBreakTheHandlerNorDeleteWithoutQuit() throws Exception {
        for (int seed = 0; seed < 120; seed++) {
            Random r = new Random(seed);
            Pop3Fixture f = new Pop3Fixture(temp.resolve("s" + seed));
            f.seedStandardMailbox();
            Pop3Handler handler = f.handler();
            FakeSessionContext ctx = new FakeSessionContext(handler, "pop3");
            StringBuilder out = new StringBuilder(ctx.start());
            StringBuilder script = new StringBuilder();
            int commands = 5 + r.nextInt(40);
            for (int i = 0; i < commands; i++) {
                int k = r.nextInt(20);
                if (k == 0) {
                    script.append("X".repeat(400 + r.nextInt(300)));
                } else {
                    script.append(PIECES.get(r.nextInt(PIECES.size())));
                }
                script.append(r.nextInt(10) == 0 ? "\n" : "\r\n");
            }
            boolean quit = r.nextBoolean();
            if (quit) {
                script.append("QUIT\r\n");
            }
            byte[] bytes = script.toString().getBytes(StandardCharsets.UTF_8);
            for (int i = 0; i < bytes.length; ) {
                int n = Math.min(bytes.length - i, 1 + r.nextInt(64));
                out.append(ctx.feed(java.util.Arrays.copyOfRange(bytes, i, i + n)));
                i += n;
            }
            handler.onClosed();

            String text = out.toString();
            assertTrue(text.startsWith("+OK"), "seed " + seed);
            assertFalse(f.locks.isLocked(Pop3Fixture.ALICE), "seed " + seed + ": lock released");
            boolean committed = handler.state() instanceof Pop3State.Closed
                    && text.contains("+OK mail.example.test POP3 server signing off");
            if (!committed || !text.contains("deleted\r\n")) {
                assertEquals(3, f.aliceFiles().size(), "seed " + seed + ": nothing deleted\n" + script);
            }
        }
    }
}
