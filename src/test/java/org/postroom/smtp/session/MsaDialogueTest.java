package org.postroom.smtp.session;

import org.junit.jupiter.api.Test;
import org.postroom.net.FakeSessionContext;
import org.postroom.smtp.SmtpTestSupport;
import org.postroom.smtp.SmtpTestSupport.RecordingAcceptor;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.postroom.smtp.SmtpTestSupport.crlf;

/** Dialogues on the msa (submission) listener: AUTH PLAIN/LOGIN and what it unlocks. */
class MsaDialogueTest {
    private final RecordingAcceptor acceptor = new RecordingAcceptor();
    private final FakeSessionContext s = SmtpTestSupport.session(SmtpTestSupport.settings(), SmtpListener.MSA, acceptor);

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private void greet() {
        s.start();
        s.feed("EHLO laptop\r\n");
    }

    @Test
    void ehloShouldOfferAuthPlainLogin() {
        s.start();
        assertEquals(crlf("250-mail.example.test Hello laptop", "250-PIPELINING", "250-SIZE 10000", "250-8BITMIME",
                "250-ENHANCEDSTATUSCODES", "250 AUTH PLAIN LOGIN"), s.feed("EHLO laptop\r\n"));
    }

    @Test
    void mailWithoutAuthShouldGet530() {
        greet();
        assertEquals(crlf("530 5.7.0 Authentication required", "530 5.7.0 Authentication required"),
                s.feed("MAIL FROM:<alice@example.test>\r\nRCPT TO:<x@remote.example>\r\n"));
    }

    @Test
    void authPlainWithInitialResponseShouldLogInAndAllowRemoteRecipients() {
        greet();
        assertEquals("235 2.7.0 Authentication successful\r\n",
                s.feed("AUTH PLAIN " + b64("\0alice@example.test\0alice-pw") + "\r\n"));
        assertEquals(crlf("250 2.1.0 Ok", "250 2.1.5 Ok", "250 2.1.5 Ok",
                        "550 5.1.1 <nobody@example.test>: Recipient address rejected: User unknown",
                        "354 End data with <CR><LF>.<CR><LF>"),
                s.feed("MAIL FROM:<alice@example.test>\r\nRCPT TO:<x@Remote.Example>\r\nRCPT TO:<bob@example.test>\r\n"
                        + "RCPT TO:<nobody@example.test>\r\nDATA\r\n"));
        assertEquals("250 2.0.0 Ok: queued as ID1\r\n", s.feed("hello\r\n.\r\n"));
        assertEquals(new Envelope("alice@example.test", List.of("bob@example.test"), List.of("x@remote.example"),
                "laptop", "127.0.0.1", "ESMTPA", Optional.of("alice@example.test")), acceptor.accepted.get(0).envelope());
    }

    @Test
    void authPlainWithoutInitialResponseShouldAskWithAnEmptyChallenge() {
        greet();
        assertEquals("334 \r\n", s.feed("AUTH PLAIN\r\n"));
        assertEquals("235 2.7.0 Authentication successful\r\n", s.feed(b64("bob\0bob\0bob-pw") + "\r\n"));
        assertEquals("250 2.1.0 Ok\r\n", s.feed("MAIL FROM:<bob@example.test>\r\n"));
    }

    @Test
    void authPlainWithWrongPasswordShouldGet535AndStillRequireAuth() {
        greet();
        assertEquals("535 5.7.8 Error: authentication failed\r\n",
                s.feed("AUTH PLAIN " + b64("\0alice@example.test\0wrong") + "\r\n"));
        assertEquals("535 5.7.8 Error: authentication failed\r\n",
                s.feed("AUTH PLAIN " + b64("\0nobody@example.test\0alice-pw") + "\r\n"));
        assertEquals("530 5.7.0 Authentication required\r\n", s.feed("MAIL FROM:<alice@example.test>\r\n"));
    }

    @Test
    void authPlainForAnotherAuthorizationIdentityShouldBeRefused() {
        greet();
        assertEquals("535 5.7.8 Error: authentication failed\r\n",
                s.feed("AUTH PLAIN " + b64("bob@example.test\0alice@example.test\0alice-pw") + "\r\n"));
    }

    @Test
    void authLoginShouldPromptForUserAndPassword() {
        greet();
        assertEquals("334 VXNlcm5hbWU6\r\n", s.feed("AUTH LOGIN\r\n"));
        assertEquals("334 UGFzc3dvcmQ6\r\n", s.feed(b64("alice@example.test") + "\r\n"));
        assertEquals("235 2.7.0 Authentication successful\r\n", s.feed(b64("alice-pw") + "\r\n"));
        assertEquals(crlf("250-mail.example.test Hello again", "250-PIPELINING", "250-SIZE 10000", "250-8BITMIME",
                "250 ENHANCEDSTATUSCODES"), s.feed("EHLO again\r\n"));
        assertEquals("503 5.5.1 Error: already authenticated\r\n", s.feed("AUTH LOGIN\r\n"));
    }

    @Test
    void authLoginWithInitialUserAndWrongPasswordShouldGet535() {
        greet();
        assertEquals("334 UGFzc3dvcmQ6\r\n", s.feed("AUTH LOGIN " + b64("alice") + "\r\n"));
        assertEquals("535 5.7.8 Error: authentication failed\r\n", s.feed(b64("nope") + "\r\n"));
    }

    @Test
    void authShouldBeCancellableAndRefuseBadBase64AndUnknownMechanisms() {
        greet();
        s.feed("AUTH LOGIN\r\n");
        assertEquals("501 5.0.0 Authentication cancelled\r\n", s.feed("*\r\n"));
        assertEquals("501 5.5.2 Error: cannot decode response\r\n", s.feed("AUTH PLAIN !!!notbase64\r\n"));
        assertEquals("504 5.5.4 Error: unsupported authentication mechanism\r\n", s.feed("AUTH CRAM-MD5\r\n"));
        assertEquals("250 2.0.0 Ok\r\n", s.feed("NOOP\r\n"));
    }

    @Test
    void authBeforeEhloShouldGet503() {
        s.start();
        assertEquals("503 5.5.1 Error: send HELO/EHLO first\r\n", s.feed("AUTH PLAIN\r\n"));
    }

    @Test
    void passwordGuessingShouldEndTheSessionAfterTheBadCommandLimit() {
        greet();
        String out = "";
        for (int i = 0; i < 6; i++) {
            out += s.feed("AUTH PLAIN " + b64("\0alice\0guess" + i) + "\r\n");
        }
        assertTrue(out.endsWith("421 4.7.0 mail.example.test Error: too many bad commands\r\n"), out);
        assertTrue(s.isClosing());
    }

    // --- inbound.msa.sender-must-match-login (on by default) ----------------------------------

    private void loggedInAs(FakeSessionContext session, String login, String password) {
        session.start();
        session.feed("EHLO laptop\r\n");
        assertEquals("235 2.7.0 Authentication successful\r\n",
                session.feed("AUTH PLAIN " + b64("\0" + login + "\0" + password) + "\r\n"));
    }

    @Test
    void mailFromAnotherAddressShouldGet553AndAFollowingOwnAddressShouldWork() {
        loggedInAs(s, "alice@example.test", "alice-pw");
        assertEquals("553 5.7.1 <bob@example.test>: Sender address rejected: not owned by user alice@example.test\r\n",
                s.feed("MAIL FROM:<bob@example.test>\r\n"));
        assertEquals("553 5.7.1 <ceo@remote.example>: Sender address rejected: not owned by user alice@example.test\r\n",
                s.feed("MAIL FROM:<ceo@remote.example> SIZE=100\r\n"));
        assertEquals(crlf("250 2.1.0 Ok", "250 2.1.5 Ok", "354 End data with <CR><LF>.<CR><LF>"),
                s.feed("MAIL FROM:<alice@example.test>\r\nRCPT TO:<x@remote.example>\r\nDATA\r\n"));
        assertEquals("250 2.0.0 Ok: queued as ID1\r\n", s.feed("hello\r\n.\r\n"));
        assertEquals(1, acceptor.accepted.size());
        assertEquals("alice@example.test", acceptor.accepted.get(0).envelope().sender());
    }

    @Test
    void aPipelinedTransactionWithAForeignSenderShouldAcceptNothing() {
        loggedInAs(s, "alice@example.test", "alice-pw");
        assertEquals(crlf("553 5.7.1 <bob@example.test>: Sender address rejected: not owned by user alice@example.test",
                        "503 5.5.1 Error: need MAIL command", "503 5.5.1 Error: need MAIL command"),
                s.feed("MAIL FROM:<bob@example.test>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\n"));
        assertEquals(0, acceptor.accepted.size());
    }

    @Test
    void theOwnAddressShouldMatchInAnyCaseAndForALoginByLocalPart() {
        loggedInAs(s, "bob", "bob-pw");
        assertEquals("250 2.1.0 Ok\r\n", s.feed("MAIL FROM:<BOB@Example.TEST>\r\n"));
        assertEquals("250 2.0.0 Ok\r\n", s.feed("RSET\r\n"));
        assertEquals("553 5.7.1 <alice@example.test>: Sender address rejected: not owned by user bob@example.test\r\n",
                s.feed("MAIL FROM:<alice@example.test>\r\n"));
    }

    @Test
    void theNullSenderShouldBeAcceptedAfterAuth() {
        loggedInAs(s, "alice@example.test", "alice-pw");
        assertEquals(crlf("250 2.1.0 Ok", "250 2.1.5 Ok"), s.feed("MAIL FROM:<>\r\nRCPT TO:<bob@example.test>\r\n"));
    }

    @Test
    void withTheSettingOffAnAuthenticatedUserShouldSendAsAnyone() {
        FakeSessionContext off = SmtpTestSupport.session(
                SmtpTestSupport.settings("inbound.msa.sender-must-match-login = false"), SmtpListener.MSA, acceptor);
        loggedInAs(off, "alice@example.test", "alice-pw");
        assertEquals(crlf("250 2.1.0 Ok", "250 2.1.5 Ok"),
                off.feed("MAIL FROM:<bob@example.test>\r\nRCPT TO:<x@remote.example>\r\n"));
    }

    @Test
    void theSmtpListenerShouldTakeAnySenderWithTheSettingOn() {
        FakeSessionContext smtp = SmtpTestSupport.session(SmtpTestSupport.settings(), SmtpListener.SMTP, acceptor);
        smtp.start();
        smtp.feed("EHLO mx.remote.example\r\n");
        assertEquals(crlf("250 2.1.0 Ok", "250 2.1.5 Ok"),
                smtp.feed("MAIL FROM:<alice@example.test>\r\nRCPT TO:<bob@example.test>\r\n"));
    }
}
