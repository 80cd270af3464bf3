package org.postroom.imap.mailbox;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class MessageSummariesTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void theKeyShouldIgnoreTheFlagsSuffixSoARenamedFileKeepsItsEntry() {
        Path dir = Path.of("/m/alice");
        assertEquals(MessageSummaries.key(dir, dir.resolve("cur/17.M1P2Q3.host,S=5:2,")),
                MessageSummaries.key(dir, dir.resolve("cur/17.M1P2Q3.host,S=5:2,FS")));
        assertEquals(MessageSummaries.key(dir, dir.resolve("new/17.M1P2Q3.host,S=5")),
                MessageSummaries.key(dir, dir.resolve("cur/17.M1P2Q3.host,S=5:2,S")));
    }

    @Test
    void aSummaryShouldBeComputedOnceAndThenRemembered() {
        MessageSummaries s = new MessageSummaries();
        AtomicInteger computed = new AtomicInteger();
        for (int i = 0; i < 3; i++) {
            s.get("k", k -> {
                computed.incrementAndGet();
                return new MessageSummaries.Summary(b("Subject: x\r\n\r\n"), "(NIL)");
            });
        }
        assertEquals(1, computed.get());
    }

    @Test
    void aFailedComputationShouldRememberNothing() {
        MessageSummaries s = new MessageSummaries();
        assertThrows(IllegalStateException.class, () -> s.get("k", k -> {
            throw new IllegalStateException("file gone");
        }));
        assertNull(s.get("k"));
    }

    @Test
    void theLeastRecentlyUsedEntriesShouldGoWhenTheByteLimitIsReached() {
        MessageSummaries.Summary one = new MessageSummaries.Summary(new byte[100], "e".repeat(18));
        long weight = 64 + 100 + 36;
        MessageSummaries s = new MessageSummaries(3 * weight);
        s.put("a", one);
        s.put("b", one);
        s.put("c", one);
        assertNotNull(s.get("a")); // a is now the most recently used
        s.put("d", one);
        assertEquals(3, s.size());
        assertNull(s.get("b"));
        assertNotNull(s.get("a"));
        assertNotNull(s.get("c"));
        assertNotNull(s.get("d"));
    }

    @Test
    void theHeaderBlockShouldEndWithTheFirstEmptyLine() {
        assertArrayEquals(b("A: 1\r\nB: 2\r\n\r\n"), MessageSummaries.headerOf(b("A: 1\r\nB: 2\r\n\r\nbody\r\n\r\nmore\r\n")));
        assertArrayEquals(b("A: 1\r\n"), MessageSummaries.headerOf(b("A: 1\r\n")));
        assertArrayEquals(b("\r\n"), MessageSummaries.headerOf(b("\r\nonly a body\r\n")));
    }
}
