package org.postroom.smtp.session;

import org.junit.jupiter.api.Test;
import org.postroom.smtp.codec.DataReceiver;
import org.postroom.smtp.codec.SmtpCommandParser;
import org.postroom.smtp.codec.SmtpReply;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The machine alone: actions and modes, including what cannot be staged through a fake context. */
class SmtpSessionMachineTest {

    private final SmtpSessionMachine m = new SmtpSessionMachine(new SmtpSessionConfig(SmtpListener.MSA,
            "mx.test", 1000, 10, 3, 512, Duration.ofMinutes(1), List.of("example.test"),
            a -> a.equals("alice@example.test"), true), "192.0.2.7");

    private List<SmtpAction> cmd(String line) {
        return m.onCommand(SmtpCommandParser.parse(line));
    }

    private void authenticatedTransaction() {
        cmd("EHLO c");
        List<SmtpAction> auth = cmd("AUTH PLAIN AGFsaWNlAHB3");
        assertEquals(new SmtpAction.Authenticate("alice", "pw"), auth.get(0));
        assertEquals(SmtpSessionMachine.Mode.AWAITING, m.mode());
        m.onAuthResult(Optional.of("alice@example.test"));
        cmd("MAIL FROM:<alice@example.test> SIZE=500");
        cmd("RCPT TO:<r@remote.test>");
        cmd("DATA");
    }

    @Test
    void dataShouldSwitchTheModeAndCarryTheDeclaredSizeAsBufferHint() {
        authenticatedTransaction();
        assertEquals(SmtpSessionMachine.Mode.DATA, m.mode());
        assertEquals(500, m.declaredSize());
        List<SmtpAction> actions = m.onDataReceived(new DataReceiver.Complete(new byte[] {'x', '\r', '\n'}));
        SmtpAction.Accept accept = assertInstanceOf(SmtpAction.Accept.class, actions.get(0));
        assertEquals(List.of("r@remote.test"), accept.envelope().remoteRecipients());
        assertEquals("192.0.2.7", accept.envelope().peerIp());
        assertEquals(SmtpSessionMachine.Mode.AWAITING, m.mode());
    }

    @Test
    void shutdownDuringAcceptanceShouldWaitAndThenAnswerBoth() {
        authenticatedTransaction();
        m.onDataReceived(new DataReceiver.Complete(new byte[0]));
        assertEquals(List.of(), m.onShutdown());
        List<SmtpAction> after = m.onAccepted("Q1");
        assertEquals(List.of(new SmtpAction.Reply(SmtpReply.queued("Q1")),
                new SmtpAction.Reply(SmtpReply.shuttingDown("mx.test")), new SmtpAction.Close()), after);
        assertEquals(SmtpSessionMachine.Mode.CLOSED, m.mode());
    }

    @Test
    void idleTimeoutDuringFailedAcceptanceShouldStillSay451First() {
        authenticatedTransaction();
        m.onDataReceived(new DataReceiver.Complete(new byte[0]));
        m.onIdleTimeout();
        List<SmtpAction> after = m.onAcceptFailed();
        assertEquals(new SmtpAction.Reply(SmtpReply.localError()), after.get(0));
        assertEquals(new SmtpAction.Reply(SmtpReply.timeout("mx.test")), after.get(1));
    }

    @Test
    void transactionShouldBeClearedByEhloButAuthenticationKept() {
        authenticatedTransaction();
        m.onDataReceived(new DataReceiver.TooBig(5000));
        cmd("MAIL FROM:<alice@example.test>");
        cmd("EHLO c2");
        assertInstanceOf(SmtpSessionMachine.Idle.class, m.phase());
        assertEquals(Optional.of("alice@example.test"), m.connection().user());
        assertEquals(Optional.of("c2"), m.connection().heloName());
    }

    @Test
    void groupEndingVerbsShouldFlushAndOthersNot() {
        assertTrue(cmd("EHLO c").contains(new SmtpAction.Flush()));
        cmd("AUTH PLAIN AGFsaWNlAHB3");
        assertTrue(m.onAuthResult(Optional.of("alice@example.test")).contains(new SmtpAction.Flush()));
        assertEquals(List.of(new SmtpAction.Reply(SmtpReply.senderOk())), cmd("MAIL FROM:<alice@example.test>"));
        assertEquals(List.of(new SmtpAction.Reply(SmtpReply.recipientOk())), cmd("RCPT TO:<x@y.test>"));
        assertTrue(cmd("DATA").contains(new SmtpAction.Flush()));
    }

    @Test
    void authResultOutsideAuthShouldBeAProgrammingError() {
        cmd("EHLO c");
        org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, () -> m.onAccepted("x"));
    }

    @Test
    void startTlsShouldGet502WhenTheListenerHasNoCertificate() {
        m.start(false);
        cmd("EHLO c");
        assertEquals(List.of(new SmtpAction.Reply(SmtpReply.notImplemented()), new SmtpAction.Flush()), cmd("STARTTLS"));
    }

    @Test
    void startTlsShouldSwitchAndForgetEverythingLearntInPlaintext() {
        m.start(true);
        List<SmtpAction> ehlo = cmd("EHLO c");
        assertTrue(((SmtpAction.Reply) ehlo.get(0)).reply().lines().contains("STARTTLS"));
        cmd("MAIL FROM:<x@y.test>"); // 530: not authenticated yet, no matter
        assertEquals(List.of(new SmtpAction.Reply(SmtpReply.readyToStartTls()), new SmtpAction.StartTls(),
                new SmtpAction.Flush()), cmd("STARTTLS"));
        assertEquals(Optional.empty(), m.connection().heloName());
        assertTrue(m.connection().tls());
        assertEquals(List.of(new SmtpAction.Reply(SmtpReply.badSequence("send HELO/EHLO first"))), cmd("MAIL FROM:<x@y.test>"));
        List<SmtpAction> again = cmd("EHLO c");
        assertTrue(!((SmtpAction.Reply) again.get(0)).reply().lines().contains("STARTTLS"));
        assertEquals(new SmtpAction.Reply(SmtpReply.badSequence("TLS already active")), cmd("STARTTLS").get(0));
        cmd("AUTH PLAIN AGFsaWNlAHB3");
        m.onAuthResult(Optional.of("alice@example.test"));
        cmd("MAIL FROM:<alice@example.test>");
        cmd("RCPT TO:<r@remote.test>");
        cmd("DATA");
        SmtpAction.Accept accept = (SmtpAction.Accept) m.onDataReceived(new DataReceiver.Complete(new byte[0])).get(0);
        assertEquals("ESMTPSA", accept.envelope().protocol());
    }

    @Test
    void mailFromAnAddressTheLoginDoesNotOwnShouldGet553AndLeaveTheSessionReadyForAnother() {
        SmtpSessionMachine strict = new SmtpSessionMachine(new SmtpSessionConfig(SmtpListener.MSA, "mx.test", 1000,
                10, 3, 512, Duration.ofMinutes(1), List.of("example.test"), a -> a.equals("alice@example.test"), true)
                .withSenderLogin(SenderLoginPolicy.ownedAddressesOnly((account, address) ->
                        account.equals(address.toLowerCase(Locale.ROOT)))), "192.0.2.7");
        strict.onCommand(SmtpCommandParser.parse("EHLO c"));
        strict.onCommand(SmtpCommandParser.parse("AUTH PLAIN AGFsaWNlAHB3"));
        strict.onAuthResult(Optional.of("alice@example.test"));
        for (int i = 0; i < 5; i++) { // more than max-bad-commands (3): a policy refusal is not a bad command
            assertEquals(List.of(new SmtpAction.Reply(SmtpReply.senderNotOwned("ceo@elsewhere.test", "alice@example.test"))),
                    strict.onCommand(SmtpCommandParser.parse("MAIL FROM:<ceo@elsewhere.test>")));
            assertInstanceOf(SmtpSessionMachine.Idle.class, strict.phase());
        }
        assertEquals(0, strict.connection().badCommands());
        assertEquals(List.of(new SmtpAction.Reply(SmtpReply.senderOk())),
                strict.onCommand(SmtpCommandParser.parse("MAIL FROM:<Alice@Example.Test>")));
        assertInstanceOf(SmtpSessionMachine.InMail.class, strict.phase());
    }

    @Test
    void withoutTheSenderPolicyAnAuthenticatedUserShouldSendAsAnyone() {
        cmd("EHLO c");
        cmd("AUTH PLAIN AGFsaWNlAHB3");
        m.onAuthResult(Optional.of("alice@example.test"));
        assertEquals(List.of(new SmtpAction.Reply(SmtpReply.senderOk())), cmd("MAIL FROM:<ceo@elsewhere.test>"));
    }

    @Test
    void theSmtpListenerShouldNotAskTheSenderPolicy() {
        SmtpSessionMachine smtp = new SmtpSessionMachine(new SmtpSessionConfig(SmtpListener.SMTP, "mx.test", 1000,
                10, 3, 512, Duration.ofMinutes(1), List.of("example.test"), a -> true, true)
                .withSenderLogin(SenderLoginPolicy.ownedAddressesOnly((account, address) -> {
                    throw new AssertionError("asked on smtp");
                })), "192.0.2.7");
        smtp.onCommand(SmtpCommandParser.parse("EHLO c"));
        assertEquals(List.of(new SmtpAction.Reply(SmtpReply.senderOk())),
                smtp.onCommand(SmtpCommandParser.parse("MAIL FROM:<anyone@anywhere.test>")));
    }
}
