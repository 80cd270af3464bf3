package org.postroom.smtp.session;

import org.junit.jupiter.api.Test;
import org.postroom.auth.Accounts;
import org.postroom.config.Settings;
import org.postroom.smtp.SmtpTestSupport;
import org.postroom.smtp.SmtpTestSupport.RecordingAcceptor;
import org.postroom.net.FakeSessionContext;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.postroom.smtp.SmtpTestSupport.crlf;

/** STARTTLS through the handler, with a context that has a certificate (off unless configured). */
class StartTlsDialogueTest {
    private final RecordingAcceptor acceptor = new RecordingAcceptor();

    private FakeSessionContext session(boolean startTls) {
        Settings settings = SmtpTestSupport.settings();
        Accounts accounts = new Accounts(settings.accounts());
        SmtpHandler handler = new SmtpHandler(
                SmtpSessionConfig.from(settings, accounts, SmtpListener.SMTP).withStartTls(startTls), accounts,
                acceptor, "127.0.0.1");
        return new FakeSessionContext(handler, "smtp").withTls();
    }

    @Test
    void startTlsShouldNotBeOfferedByDefaultEvenWithACertificate() {
        FakeSessionContext s = session(false);
        s.start();
        assertFalse(s.feed("EHLO c\r\n").contains("STARTTLS"));
        assertEquals("502 5.5.1 Error: command not implemented\r\n", s.feed("STARTTLS\r\n"));
        assertFalse(s.tlsPending());
    }

    @Test
    void plaintextPipelinedBehindStartTlsShouldBeDropped() {
        FakeSessionContext s = session(true);
        s.start();
        assertTrue(s.feed("EHLO c\r\n").contains("250 STARTTLS\r\n"));
        assertEquals("220 2.0.0 Ready to start TLS\r\n",
                s.feed("STARTTLS\r\nMAIL FROM:<evil@attacker.example>\r\nRCPT TO:<alice@example.test>\r\n"));
        assertTrue(s.tlsPending());
        assertEquals("", s.feed("DATA\r\n")); // still plaintext: dropped
        assertEquals("", s.tlsHandshake());
        assertEquals("503 5.5.1 Error: send HELO/EHLO first\r\n", s.feed("MAIL FROM:<a@b.example>\r\n"));
        assertFalse(s.feed("EHLO c\r\n").contains("STARTTLS"));
        assertEquals(crlf("250 2.1.0 Ok", "250 2.1.5 Ok", "354 End data with <CR><LF>.<CR><LF>", "250 2.0.0 Ok: queued as ID1"),
                s.feed("MAIL FROM:<a@b.example>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\nhi\r\n.\r\n"));
        assertEquals("a@b.example", acceptor.accepted.get(0).envelope().sender());
        assertEquals("ESMTPS", acceptor.accepted.get(0).envelope().protocol());
        assertEquals("503 5.5.1 Error: TLS already active\r\n", s.feed("STARTTLS\r\n"));
    }
}
