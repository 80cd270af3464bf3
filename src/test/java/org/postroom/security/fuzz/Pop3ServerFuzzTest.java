package org.postroom.security.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.apache.pekko.util.ByteString;
import org.postroom.net.FakeSessionContext;
import org.postroom.pop3.Pop3Fixture;
import org.postroom.pop3.codec.Pop3Decoded;
import org.postroom.pop3.codec.Pop3LineDecoder;
import org.postroom.pop3.session.Pop3Handler;
import org.postroom.testsupport.TestEngine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Jazzer fuzz targets for the POP3 server side: the line decoder and the whole handler over a real
 * Maildir through {@link FakeSessionContext}. Properties: nothing throws, the decoder never buffers
 * more than a line limit plus a chunk, every status line is {@code +OK} or {@code -ERR}, and the
 * mailbox lock is always released.
 */
class Pop3ServerFuzzTest {
    private static final int MAX_LINE = 512;

    @FuzzTest(maxDuration = "60s")
    void lineDecoderShouldStayBoundedWhateverArrives(FuzzedDataProvider data) {
        Pop3LineDecoder decoder = new Pop3LineDecoder(MAX_LINE);
        while (data.remainingBytes() > 0) {
            byte[] chunk = data.consumeBytes(1 + data.consumeInt(0, 2048));
            decoder.feed(ByteString.fromArray(chunk));
            for (Pop3Decoded d = decoder.next(); !(d instanceof Pop3Decoded.NeedMore); d = decoder.next()) {
                assertNotNull(d);
            }
            assertTrue(decoder.buffered() <= MAX_LINE + 2, "buffered " + decoder.buffered());
        }
    }

    @FuzzTest(maxDuration = "120s")
    void handlerShouldAnswerEverythingAndReleaseTheLock(FuzzedDataProvider data) throws IOException {
        Path dir = Files.createTempDirectory("pop3-fuzz");
        try {
            Pop3Fixture f = new Pop3Fixture(dir);
            f.seedStandardMailbox();
            Pop3Handler handler = f.handler();
            FakeSessionContext ctx = new FakeSessionContext(handler, "pop3");
            StringBuilder out = new StringBuilder(ctx.start());
            while (data.remainingBytes() > 0 && !ctx.isClosing()) {
                out.append(ctx.feed(data.consumeBytes(1 + data.consumeInt(0, 256))));
            }
            out.append(ctx.idle());
            handler.onClosed();
            assertTrue(out.toString().startsWith("+OK"));
            assertTrue(out.toString().endsWith("\r\n"));
            assertFalse(f.locks.isLocked(Pop3Fixture.ALICE), "lock released");
        } finally {
            TestEngine.deleteRecursively(dir);
        }
    }
}
