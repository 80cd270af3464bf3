package org.postroom.security.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.Test;
import org.postroom.delivery.SmtpReply;
import org.postroom.delivery.SmtpReplyDecoder;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fuzzes the outbound SMTP client's reply decoder (what an untrusted remote MX sends): bytes cut
 * anywhere. Only {@link SmtpReplyDecoder.ProtocolError} may come out, every reply has a code in
 * 200..599, and neither the buffer nor a multi-line reply grows without bound.
 */
class RemoteSmtpReplyFuzzTest {

    @FuzzTest(maxDuration = "30s")
    void remoteRepliesShouldOnlyEverYieldRepliesOrAProtocolError(FuzzedDataProvider data) {
        SmtpReplyDecoder decoder = new SmtpReplyDecoder();
        try {
            while (data.remainingBytes() > 0) {
                byte[] chunk = data.consumeBytes(1 + data.consumeInt(0, 300));
                decoder.feed(chunk);
                assertTrue(decoder.buffered() <= 65536 + chunk.length + 2, "buffered " + decoder.buffered());
                for (Optional<SmtpReply> r = decoder.next(); r.isPresent(); r = decoder.next()) {
                    assertTrue(r.get().code() >= 200 && r.get().code() <= 599, "code " + r.get().code());
                    assertTrue(r.get().lines().size() <= 1000, "lines " + r.get().lines().size());
                }
            }
        } catch (SmtpReplyDecoder.ProtocolError expected) {
            // A remote server breaking the protocol ends that connection: the designed outcome.
        }
    }

    @Test
    void seededMutationsOfRealRepliesShouldOnlyYieldRepliesOrAProtocolError() {
        String[] real = {"220 mx.remote.test ESMTP\r\n", "250-mx.remote.test\r\n250-PIPELINING\r\n250 SIZE 1000\r\n",
                "354 go ahead\r\n", "550 5.1.1 no such user\r\n", "421 4.3.2 bye\r\n"};
        for (long seed = 0; seed < 2000; seed++) {
            Random random = new Random(seed);
            byte[] bytes = real[random.nextInt(real.length)].getBytes(StandardCharsets.US_ASCII);
            for (int m = random.nextInt(4); m > 0; m--) {
                bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
            }
            SmtpReplyDecoder decoder = new SmtpReplyDecoder();
            try {
                int at = 0;
                while (at < bytes.length) {
                    int n = Math.min(bytes.length - at, 1 + random.nextInt(8));
                    decoder.feed(java.util.Arrays.copyOfRange(bytes, at, at + n));
                    at += n;
                    for (Optional<SmtpReply> r = decoder.next(); r.isPresent(); r = decoder.next()) {
                        assertTrue(r.get().code() >= 200 && r.get().code() <= 599, "seed " + seed);
                    }
                }
            } catch (SmtpReplyDecoder.ProtocolError expected) {
                // fine: garbage is refused
            }
        }
    }

    @Test
    void anEndlessMultiLineReplyShouldBeRefusedNotHoarded() {
        SmtpReplyDecoder decoder = new SmtpReplyDecoder();
        byte[] line = "250-more and more\r\n".getBytes(StandardCharsets.US_ASCII);
        assertThrows(SmtpReplyDecoder.ProtocolError.class, () -> {
            for (int i = 0; i < 5000; i++) {
                decoder.feed(line);
                decoder.next();
            }
        });
    }
}
