package org.postroom.security.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.apache.pekko.util.ByteString;
import org.postroom.config.Settings;
import org.postroom.net.FakeSessionContext;
import org.postroom.smtp.SmtpTestSupport;
import org.postroom.smtp.SmtpTestSupport.RecordingAcceptor;
import org.postroom.smtp.codec.DataReceiver;
import org.postroom.smtp.codec.InputBuffer;
import org.postroom.smtp.codec.SmtpCommand;
import org.postroom.smtp.codec.SmtpCommandParser;
import org.postroom.smtp.session.SmtpListener;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Jazzer fuzz targets for the SMTP server side: the command parser, the DATA receiver and the whole
 * handler through {@link FakeSessionContext}. In a normal test run they replay the committed seeds
 * (regression mode); {@code JAZZER_FUZZ=1 mvn test -Dtest='SmtpServerFuzzTest#handler*'} fuzzes one target
 * (docs/security.md). Properties: nothing throws, every output line is a well-formed reply, and no
 * message over {@code max-message-size} (10000 here) is accepted or buffered.
 */
class SmtpServerFuzzTest {
    private static final Settings SETTINGS = SmtpTestSupport.settings("inbound.max-bad-commands = 50");
    private static final int MAX = 10_000;

    @FuzzTest(maxDuration = "60s")
    void commandParserShouldAlwaysReturnACommand(FuzzedDataProvider data) {
        SmtpCommand c = SmtpCommandParser.parse(data.consumeRemainingAsString());
        assertNotNull(c);
        if (c instanceof SmtpCommand.Invalid invalid) {
            assertTrue(invalid.reply().render().matches("(?s)[45][0-9]{2} .*\r\n"), invalid.reply().render());
        }
    }

    @FuzzTest(maxDuration = "60s")
    void dataReceiverShouldFrameOrRefuseWithoutHoardingInput(FuzzedDataProvider data) {
        DataReceiver receiver = new DataReceiver(MAX, data.consumeLong(0, 1L << 32));
        InputBuffer in = new InputBuffer();
        while (data.remainingBytes() > 0) {
            byte[] chunk = data.consumeBytes(1 + data.consumeInt(0, 4096));
            in.append(chunk);
            DataReceiver.Result r = receiver.receive(in);
            if (r instanceof DataReceiver.Complete complete) {
                assertTrue(complete.message().length <= MAX, "accepted " + complete.message().length);
                return;
            }
            if (r instanceof DataReceiver.TooBig) {
                return;
            }
            // Still receiving: what the receiver left in the input is at most an unfinished line end.
            assertTrue(in.available() <= 5, "left " + in.available());
        }
    }

    @FuzzTest(maxDuration = "120s")
    void handlerShouldAnswerEverythingWithWellFormedReplies(FuzzedDataProvider data) {
        SmtpListener listener = data.consumeBoolean() ? SmtpListener.MSA : SmtpListener.SMTP;
        RecordingAcceptor acceptor = new RecordingAcceptor();
        FakeSessionContext s = SmtpTestSupport.session(SETTINGS, listener, acceptor);
        StringBuilder out = new StringBuilder(s.start());
        while (data.remainingBytes() > 0 && !s.isClosing()) {
            byte[] chunk = data.consumeBytes(1 + data.consumeInt(0, 512));
            out.append(s.feed(chunk));
        }
        out.append(s.idle());
        String text = out.toString();
        assertTrue(text.endsWith("\r\n"));
        for (String line : text.split("\r\n")) {
            assertTrue(line.matches("[2-5][0-9]{2}[ -].*"), "bad reply line [" + line + "]");
        }
        acceptor.accepted.forEach(a -> assertTrue(a.message().length <= MAX + 2048, "accepted " + a.message().length));
        s.feed(ByteString.fromString("after close", StandardCharsets.US_ASCII).toArray());
        assertEquals("", s.takeOutput(), "nothing after the session closed");
    }
}
