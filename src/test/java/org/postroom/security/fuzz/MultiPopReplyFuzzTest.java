package org.postroom.security.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.postroom.multipop.client.Pop3ProtocolException;
import org.postroom.multipop.client.Pop3Reply;
import org.postroom.multipop.client.Pop3ReplyDecoder;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fuzzes MultiPOP's decoder of remote POP3 replies (what an untrusted remote server sends): bytes cut
 * anywhere, framing switched at random. Only {@link Pop3ProtocolException} may come out, the buffer
 * never holds much more than a line limit plus a chunk, and a body never exceeds its limit.
 */
class MultiPopReplyFuzzTest {
    private static final int MAX_LINE = 512;
    private static final long MAX_BODY = 4096;

    @FuzzTest(maxDuration = "30s")
    void remoteRepliesShouldOnlyEverYieldRepliesOrAProtocolError(FuzzedDataProvider data) {
        Pop3ReplyDecoder decoder = new Pop3ReplyDecoder(MAX_LINE, MAX_BODY);
        try {
            while (data.remainingBytes() > 0) {
                byte[] chunk = data.consumeBytes(1 + data.consumeInt(0, 300));
                decoder.feed(chunk);
                assertTrue(decoder.buffered() <= MAX_LINE + MAX_BODY + chunk.length + 8,
                        "buffered " + decoder.buffered());
                for (Optional<Pop3Reply> r = decoder.next(); r.isPresent(); r = decoder.next()) {
                    Pop3Reply reply = r.get();
                    assertTrue(reply.text() != null);
                    if (reply instanceof Pop3Reply.Listing l) {
                        assertTrue(l.body().length <= MAX_BODY, "body " + l.body().length);
                    }
                    decoder.expect(data.consumeBoolean() ? Pop3ReplyDecoder.Framing.MULTI_LINE
                            : Pop3ReplyDecoder.Framing.SINGLE_LINE);
                }
            }
        } catch (Pop3ProtocolException expected) {
            // A server breaking the protocol ends the collection: that is the designed outcome.
        }
    }
}
