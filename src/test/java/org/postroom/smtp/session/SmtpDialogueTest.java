package org.postroom.smtp.session;

import org.junit.jupiter.api.Test;
import org.postroom.net.FakeSessionContext;
import org.postroom.smtp.SmtpTestSupport;
import org.postroom.smtp.SmtpTestSupport.RecordingAcceptor;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.postroom.smtp.SmtpTestSupport.crlf;

/** Dialogues on the smtp listener: handler + machine driven through a fake context, no sockets. */
class SmtpDialogueTest {
    private final RecordingAcceptor acceptor = new RecordingAcceptor();
    private final FakeSessionContext s = SmtpTestSupport.session(SmtpTestSupport.settings(), SmtpListener.SMTP, acceptor);

    private void greetAndEhlo() {
        s.start();
        s.feed("EHLO client.example\r\n");
    }

    @Test
    void greetingAndEhloShouldAdvertiseTheExtensionsButNotAuth() {
        assertEquals("220 mail.example.test ESMTP Postroom\r\n", s.start());
        assertEquals(crlf("250-mail.example.test Hello client.example", "250-PIPELINING", "250-SIZE 10000",
                "250-8BITMIME", "250 ENHANCEDSTATUSCODES"), s.feed("EHLO client.example\r\n"));
        assertEquals(Duration.ofMinutes(5), s.idleTimeout());
    }

    @Test
    void heloShouldBeAcceptedAsFallback() {
        s.start();
        assertEquals("250 mail.example.test\r\n", s.feed("HELO old.client\r\n"));
        assertEquals("250 2.1.0 Ok\r\n", s.feed("MAIL FROM:<x@remote.example>\r\n"));
    }

    @Test
    void commandsOutOfSequenceShouldGet503() {
        s.start();
        assertEquals("503 5.5.1 Error: send HELO/EHLO first\r\n", s.feed("MAIL FROM:<a@b.example>\r\n"));
        s.feed("EHLO c\r\n");
        assertEquals("503 5.5.1 Error: need MAIL command\r\n", s.feed("RCPT TO:<alice@example.test>\r\n"));
        assertEquals("503 5.5.1 Error: need MAIL command\r\n", s.feed("DATA\r\n"));
        s.feed("MAIL FROM:<a@b.example>\r\n");
        assertEquals("503 5.5.1 Error: nested MAIL command\r\n", s.feed("MAIL FROM:<a@b.example>\r\n"));
        assertEquals("503 5.5.1 Error: need RCPT command\r\n", s.feed("DATA\r\n"));
    }

    @Test
    void rsetShouldClearTheTransactionButKeepTheGreeting() {
        greetAndEhlo();
        s.feed("MAIL FROM:<a@b.example>\r\n");
        s.feed("RCPT TO:<alice@example.test>\r\n");
        assertEquals("250 2.0.0 Ok\r\n", s.feed("RSET\r\n"));
        assertEquals("503 5.5.1 Error: need MAIL command\r\n", s.feed("RCPT TO:<alice@example.test>\r\n"));
        assertEquals("250 2.1.0 Ok\r\n", s.feed("MAIL FROM:<a@b.example>\r\n"));
    }

    @Test
    void rcptShouldReply452WhenRecipientLimitReached() {
        greetAndEhlo();
        s.feed("MAIL FROM:<a@b.example>\r\n");
        assertEquals(crlf("250 2.1.5 Ok", "250 2.1.5 Ok", "250 2.1.5 Ok", "452 4.5.3 Error: too many recipients"),
                s.feed("RCPT TO:<alice@example.test>\r\nRCPT TO:<bob@example.test>\r\n"
                        + "RCPT TO:<postmaster@example.test>\r\nRCPT TO:<alice@example.test>\r\n"));
    }

    @Test
    void smtpListenerShouldNeverRelay() {
        greetAndEhlo();
        s.feed("MAIL FROM:<a@b.example>\r\n");
        assertEquals("554 5.7.1 <x@remote.example>: Relay access denied\r\n", s.feed("RCPT TO:<x@remote.example>\r\n"));
        assertEquals("554 5.7.1 <alice@sub.example.test>: Relay access denied\r\n",
                s.feed("RCPT TO:<alice@sub.example.test>\r\n"));
        assertEquals("554 5.7.1 <x@remote.example>: Relay access denied\r\n",
                s.feed("RCPT TO:<@example.test:x@remote.example>\r\n"));
        assertEquals("554 5.7.1 <alice@[127.0.0.1]>: Relay access denied\r\n", s.feed("RCPT TO:<alice@[127.0.0.1]>\r\n"));
        assertEquals("550 5.1.1 <x%remote.example@example.test>: Recipient address rejected: User unknown\r\n",
                s.feed("RCPT TO:<x%remote.example@example.test>\r\n"));
        assertEquals("550 5.1.1 <x!remote.example@example.test>: Recipient address rejected: User unknown\r\n",
                s.feed("RCPT TO:<x!remote.example@example.test>\r\n"));
        assertEquals("503 5.5.1 Error: need RCPT command\r\n", s.feed("DATA\r\n"));
    }

    @Test
    void rcptShouldAcceptLocalAccountsInAnyCaseAndPostmaster() {
        greetAndEhlo();
        s.feed("MAIL FROM:<>\r\n");
        assertEquals(crlf("250 2.1.5 Ok", "250 2.1.5 Ok"), s.feed("RCPT TO:<Alice@EXAMPLE.test>\r\nRCPT TO:<Postmaster>\r\n"));
        s.feed("DATA\r\nhi\r\n.\r\n");
        assertEquals(List.of("alice@example.test", "postmaster@example.test"),
                acceptor.accepted.get(0).envelope().localRecipients());
        assertEquals("", acceptor.accepted.get(0).envelope().sender());
    }

    @Test
    void unknownLocalAccountShouldGet550() {
        greetAndEhlo();
        s.feed("MAIL FROM:<a@b.example>\r\n");
        assertEquals("550 5.1.1 <nobody@example.test>: Recipient address rejected: User unknown\r\n",
                s.feed("RCPT TO:<nobody@example.test>\r\n"));
    }

    @Test
    void pipelinedMailRcptRcptDataShouldBeAnsweredInOrderInOneWrite() {
        greetAndEhlo();
        String out = s.feed("MAIL FROM:<a@b.example> BODY=8BITMIME\r\nRCPT TO:<alice@example.test>\r\n"
                + "RCPT TO:<nobody@example.test>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n");
        assertEquals(crlf("250 2.1.0 Ok", "250 2.1.5 Ok",
                "550 5.1.1 <nobody@example.test>: Recipient address rejected: User unknown", "250 2.1.5 Ok",
                "354 End data with <CR><LF>.<CR><LF>"), out);
        assertEquals(crlf("250 2.0.0 Ok: queued as ID1", "221 2.0.0 mail.example.test Bye"),
                s.feed("Subject: t\r\n\r\n..dot\r\n.\r\nQUIT\r\n"));
        assertTrue(s.isClosing());
        RecordingAcceptor.Accepted a = acceptor.accepted.get(0);
        assertEquals("Subject: t\r\n\r\n.dot\r\n", new String(a.message(), StandardCharsets.UTF_8));
        assertEquals(new Envelope("a@b.example", List.of("alice@example.test", "bob@example.test"), List.of(),
                "client.example", "127.0.0.1", "ESMTP", Optional.empty()), a.envelope());
    }

    @Test
    void commandsAfterDataInTheSameChunkShouldWaitForTheAcceptance() {
        greetAndEhlo();
        String out = s.feed("MAIL FROM:<a@b.example>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\n"
                + "one\r\n.\r\nMAIL FROM:<c@d.example>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\ntwo\r\n.\r\n");
        assertEquals(crlf("250 2.1.0 Ok", "250 2.1.5 Ok", "354 End data with <CR><LF>.<CR><LF>",
                "250 2.0.0 Ok: queued as ID1", "250 2.1.0 Ok", "250 2.1.5 Ok", "354 End data with <CR><LF>.<CR><LF>",
                "250 2.0.0 Ok: queued as ID2"), out);
        assertEquals(2, acceptor.accepted.size());
    }

    @Test
    void failedAcceptanceShouldGet451AndTheSessionGoesOn() {
        greetAndEhlo();
        acceptor.fail = true;
        assertTrue(s.feed("MAIL FROM:<a@b.example>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\nx\r\n.\r\n")
                .endsWith("451 4.3.0 Error: local error in processing, try again later\r\n"));
        acceptor.fail = false;
        assertEquals("503 5.5.1 Error: need MAIL command\r\n", s.feed("RCPT TO:<alice@example.test>\r\n"));
        assertTrue(s.feed("MAIL FROM:<a@b.example>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\nx\r\n.\r\n")
                .endsWith("250 2.0.0 Ok: queued as ID1\r\n"));
    }

    @Test
    void declaredSizeOverTheLimitShouldGet552AtMail() {
        greetAndEhlo();
        assertEquals("552 5.3.4 Error: message size exceeds fixed limit\r\n",
                s.feed("MAIL FROM:<a@b.example> SIZE=10001\r\n"));
        assertEquals("250 2.1.0 Ok\r\n", s.feed("MAIL FROM:<a@b.example> SIZE=10000\r\n"));
    }

    @Test
    void messageOverTheLimitShouldBeReadToTheEndThenGet552() {
        greetAndEhlo();
        s.feed("MAIL FROM:<a@b.example>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\n");
        String line = "y".repeat(98) + "\r\n";
        for (int i = 0; i < 200; i++) {
            assertEquals("", s.feed(line));
        }
        assertEquals(crlf("552 5.3.4 Error: message size exceeds fixed limit", "250 2.0.0 Ok"), s.feed(".\r\nNOOP\r\n"));
        assertTrue(acceptor.accepted.isEmpty());
        assertEquals("503 5.5.1 Error: need MAIL command\r\n", s.feed("RCPT TO:<alice@example.test>\r\n"));
    }

    @Test
    void otherCommandsShouldGetTheirReplies() {
        greetAndEhlo();
        assertEquals("252 2.0.0 Cannot VRFY user, but will accept message and attempt delivery\r\n", s.feed("VRFY alice\r\n"));
        assertTrue(s.feed("HELP\r\n").startsWith("214-2.0.0 Commands supported:\r\n"));
        assertEquals("250 2.0.0 Ok\r\n", s.feed("NOOP\r\n"));
        assertEquals("500 5.5.1 Error: command not recognized\r\n", s.feed("FROB\r\n"));
        assertEquals("502 5.5.1 Error: command not implemented\r\n", s.feed("EXPN staff\r\n"));
        assertEquals("502 5.5.1 Error: command not implemented\r\n", s.feed("STARTTLS\r\n"));
        assertEquals("503 5.5.1 Error: authentication not enabled\r\n", s.feed("AUTH PLAIN AGFsaWNlAGFsaWNlLXB3\r\n"));
        assertEquals("221 2.0.0 mail.example.test Bye\r\n", s.feed("QUIT\r\n"));
        assertTrue(s.isClosing());
    }

    @Test
    void tooLongLineShouldGet500AndTheSessionGoesOn() {
        greetAndEhlo();
        assertEquals("500 5.5.2 Line too long\r\n", s.feed("NOOP " + "x".repeat(600)));
        assertEquals("", s.feed("x".repeat(10_000)));
        assertEquals("250 2.0.0 Ok\r\n", s.feed("more\r\nNOOP\r\n"));
    }

    @Test
    void tooManyBadCommandsShouldEndTheSessionWith421() {
        greetAndEhlo();
        String out = s.feed("BAD1\r\nBAD2\r\nBAD3\r\nBAD4\r\nBAD5\r\nBAD6\r\nNOOP\r\n");
        assertEquals("500 5.5.1 Error: command not recognized\r\n".repeat(5)
                + "421 4.7.0 mail.example.test Error: too many bad commands\r\n", out);
        assertTrue(s.isClosing());
    }

    @Test
    void idleTimeoutShouldSay421AndClose() {
        greetAndEhlo();
        assertEquals("421 4.4.2 mail.example.test Timeout\r\n", s.idle());
        assertTrue(s.isClosing());
    }

    @Test
    void shutdownShouldSay421AndClose() {
        greetAndEhlo();
        assertEquals("421 4.3.2 mail.example.test Service shutting down\r\n", s.shutdown());
        assertTrue(s.isClosing());
    }

    @Test
    void nulBytesAndGarbageShouldGetErrorsNotACrash() {
        greetAndEhlo();
        String out = s.feed(new byte[] {0, 0, 1, (byte) 0xff, '\r', '\n', 'M', 'A', 'I', 'L', 0, '\r', '\n'});
        assertEquals(crlf("500 5.5.1 Error: command not recognized", "500 5.5.1 Error: command not recognized"), out);
        assertFalse(s.isClosing());
        assertEquals("250 2.0.0 Ok\r\n", s.feed("NOOP\r\n"));
    }

    @Test
    void commandLinesShouldBeCappedAt1000OctetsWhateverTheSharedLineLimit() {
        FakeSessionContext wide = SmtpTestSupport.session(SmtpTestSupport.settings("inbound.max-line-length = 8192"),
                SmtpListener.SMTP, acceptor);
        wide.start();
        assertEquals("250 2.0.0 Ok\r\n", wide.feed("NOOP " + "x".repeat(993) + "\r\n"));
        assertEquals("500 5.5.2 Line too long\r\n", wide.feed("NOOP " + "x".repeat(994) + "\r\n"));
        assertEquals("250 2.0.0 Ok\r\n", wide.feed("NOOP\r\n"));
    }
}
