package org.postroom.smtp.session;

import org.junit.jupiter.api.Test;
import org.postroom.net.FakeSessionContext;
import org.postroom.smtp.SmtpTestSupport;
import org.postroom.smtp.SmtpTestSupport.RecordingAcceptor;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Seeded fuzzing of the whole handler: whatever arrives, no exception and only well-formed replies. */
class SmtpFuzzTest {
    private static final String[] PIECES = {
            "EHLO x\r\n", "HELO y\r\n", "MAIL FROM:<a@b.example>\r\n", "MAIL FROM:<>\r\n", "RCPT TO:<alice@example.test>\r\n",
            "RCPT TO:<x@remote.example>\r\n", "DATA\r\n", "hello\r\n", ".\r\n", "..\r\n", "RSET\r\n", "NOOP\r\n", "VRFY a\r\n",
            "HELP\r\n", "AUTH PLAIN\r\n", "AUTH LOGIN\r\n", "AGFsaWNlAGFsaWNlLXB3\r\n", "*\r\n", "STARTTLS\r\n",
            "MAIL FROM:<\"q\\\"x\"@a.b> SIZE=5 BODY=8BITMIME\r\n", "RCPT TO:<@r.example:bob@example.test>\r\n",
            "\r\n", "\n", "\r", ".", "<>", "\u0000", "\u00ff\u00fe",
            "MAIL FROM:<alice@example.test>\r\n", // the login's own address: msa transactions go on after AUTH
    };

    @Test
    void randomInputShouldNeverBreakTheSessionOrItsReplies() {
        Random random = new Random(20261129);
        for (int run = 0; run < 300; run++) {
            SmtpListener listener = run % 2 == 0 ? SmtpListener.SMTP : SmtpListener.MSA;
            FakeSessionContext s = SmtpTestSupport.session(SmtpTestSupport.settings("inbound.max-bad-commands = 1000"),
                    listener, new RecordingAcceptor());
            StringBuilder out = new StringBuilder(s.start());
            for (int step = 0; step < 60 && !s.isClosing(); step++) {
                ByteArrayOutputStream chunk = new ByteArrayOutputStream();
                int parts = 1 + random.nextInt(4);
                for (int p = 0; p < parts; p++) {
                    if (random.nextInt(5) == 0) {
                        byte[] junk = new byte[random.nextInt(700)];
                        random.nextBytes(junk);
                        chunk.writeBytes(junk);
                    } else {
                        chunk.writeBytes(PIECES[random.nextInt(PIECES.length)].getBytes(StandardCharsets.ISO_8859_1));
                    }
                }
                out.append(s.feed(chunk.toByteArray()));
            }
            out.append(s.idle());
            String text = out.toString();
            assertTrue(text.endsWith("\r\n"), "run " + run);
            for (String line : text.split("\r\n")) {
                assertTrue(line.matches("[2-5][0-9]{2}[ -].*"), "run " + run + ": bad reply line [" + line + "]");
            }
        }
    }
}
