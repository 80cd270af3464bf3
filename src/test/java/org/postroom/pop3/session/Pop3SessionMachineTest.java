package org.postroom.pop3.session;

import org.junit.jupiter.api.Test;
import org.postroom.pop3.codec.Pop3Command;
import org.postroom.pop3.codec.Pop3Reply;
import org.postroom.pop3.maildrop.Maildrop;
import org.postroom.pop3.maildrop.MaildropMessage;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Pop3SessionMachineTest {
    private static final Pop3Policy POLICY = new Pop3Policy(512, 3, 3, Duration.ofSeconds(1), Duration.ofMinutes(5));
    private static final Maildrop DROP = new Maildrop("alice@example.test", Path.of("/nowhere"), List.of(
            new MaildropMessage("u1", "u1", "u1:2,", 100),
            new MaildropMessage("u2", "u2", "u2:2,", 200),
            new MaildropMessage("u3", "u3", "u3:2,", 300)));

    private final Pop3SessionMachine machine = new Pop3SessionMachine(POLICY, "mail.example.test", "<1.2@mail.example.test>");

    private static Pop3Action send(Pop3Reply reply) {
        return new Pop3Action.Send(reply);
    }

    private List<Pop3Action> cmd(String line) {
        return machine.onCommand(Pop3Command.parse(line));
    }

    private void logIn() {
        cmd("USER alice");
        assertEquals(List.of(new Pop3Action.CheckCredentials("alice", new Pop3Action.Credentials.Password("pw"))),
                cmd("PASS pw"));
        assertEquals(List.of(new Pop3Action.OpenMaildrop("alice@example.test")),
                machine.onCredentials(Optional.of("alice@example.test")));
        assertEquals(List.of(new Pop3Action.SetIdleTimeout(Duration.ofMinutes(10)), send(Pop3Reply.loggedIn(3, 600))),
                machine.onMaildropOpened(DROP));
    }

    @Test
    void startShouldGreetWithTheApopTimestamp() {
        assertEquals(List.of(send(Pop3Reply.ok("Postroom POP3 server ready on mail.example.test <1.2@mail.example.test>"))),
                machine.start());
    }

    @Test
    void userAndPassShouldCheckCredentialsThenOpenTheMaildrop() {
        logIn();
        Pop3State.Transaction t = assertInstanceOf(Pop3State.Transaction.class, machine.state());
        assertEquals(3, t.liveCount());
    }

    @Test
    void apopShouldCheckTheDigestAgainstThisSessionsTimestamp() {
        assertEquals(List.of(new Pop3Action.CheckCredentials("alice",
                        new Pop3Action.Credentials.ApopDigest("<1.2@mail.example.test>", "abc"))),
                cmd("APOP alice abc"));
    }

    @Test
    void passWithoutUserShouldBeRefusedAndCountedAsBad() {
        assertEquals(List.of(send(Pop3Reply.err("Send USER first"))), cmd("PASS x"));
        assertEquals(1, machine.badCommands());
    }

    @Test
    void failedLoginsShouldPauseLongerEachTimeAndCloseAfterTheLimit() {
        cmd("USER alice");
        cmd("PASS wrong");
        assertEquals(List.of(new Pop3Action.Pause(Duration.ofSeconds(1)), send(Pop3Reply.authFailed())),
                machine.onCredentials(Optional.empty()));
        cmd("USER alice");
        cmd("PASS wrong");
        assertEquals(List.of(new Pop3Action.Pause(Duration.ofSeconds(2)), send(Pop3Reply.authFailed())),
                machine.onCredentials(Optional.empty()));
        cmd("USER alice");
        cmd("PASS wrong");
        assertEquals(List.of(new Pop3Action.Pause(Duration.ofSeconds(4)), send(Pop3Reply.tooManyAuthFailures()),
                new Pop3Action.Close()), machine.onCredentials(Optional.empty()));
        assertInstanceOf(Pop3State.Closed.class, machine.state());
    }

    @Test
    void theAuthPauseShouldBeCapped() {
        assertEquals(Pop3Policy.MAX_AUTH_DELAY, POLICY.authDelay(40));
    }

    @Test
    void aLockedMailboxShouldSendTheClientBackToAuthorization() {
        cmd("USER alice");
        cmd("PASS pw");
        machine.onCredentials(Optional.of("alice@example.test"));
        assertEquals(List.of(send(Pop3Reply.mailboxInUse())), machine.onMailboxInUse());
        assertInstanceOf(Pop3State.Authorization.class, machine.state());
        assertEquals(0, machine.authFailures(), "a locked mailbox is no failed login");
    }

    @Test
    void transactionCommandsShouldBeRefusedBeforeLogin() {
        assertEquals(List.of(send(Pop3Reply.err("Not logged in: use USER and PASS first"))), cmd("STAT"));
        assertEquals(List.of(send(Pop3Reply.err("Not logged in: use USER and PASS first"))), cmd("RETR 1"));
    }

    @Test
    void statListAndUidlShouldLeaveOutDeletedMessages() {
        logIn();
        assertEquals(List.of(send(Pop3Reply.ok("Message 2 deleted"))), cmd("DELE 2"));
        assertEquals(List.of(send(Pop3Reply.ok("2 400"))), cmd("STAT"));
        assertEquals(List.of(send(new Pop3Reply.MultiLine("2 messages (400 octets)", List.of("1 100", "3 300")))), cmd("LIST"));
        assertEquals(List.of(send(new Pop3Reply.MultiLine("Unique-id listing follows", List.of("1 u1", "3 u3")))), cmd("UIDL"));
        assertEquals(List.of(send(Pop3Reply.alreadyDeleted(2))), cmd("LIST 2"));
        assertEquals(List.of(send(Pop3Reply.alreadyDeleted(2))), cmd("RETR 2"));
        assertEquals(List.of(send(Pop3Reply.ok("3 u3"))), cmd("UIDL 3"));
        assertEquals(List.of(send(Pop3Reply.noSuchMessage(4))), cmd("TOP 4 1"));
    }

    @Test
    void rsetShouldUnmarkEverything() {
        logIn();
        cmd("DELE 1");
        cmd("DELE 3");
        assertEquals(List.of(send(Pop3Reply.ok("Maildrop has 3 messages (600 octets)"))), cmd("RSET"));
        assertEquals(List.of(send(Pop3Reply.ok("3 600"))), cmd("STAT"));
    }

    @Test
    void retrAndTopShouldAskTheHandlerToSendTheMessage() {
        logIn();
        assertEquals(List.of(new Pop3Action.SendMessage(DROP, 2, DROP.message(2), OptionalInt.empty())), cmd("RETR 2"));
        assertEquals(List.of(new Pop3Action.SendMessage(DROP, 1, DROP.message(1), OptionalInt.of(0))), cmd("TOP 1 0"));
    }

    @Test
    void quitInTransactionShouldCommitTheMarkedMessagesThenSignOff() {
        logIn();
        cmd("DELE 3");
        cmd("DELE 1");
        assertEquals(List.of(new Pop3Action.Commit(DROP, List.of(DROP.message(1), DROP.message(3)))), cmd("QUIT"));
        assertInstanceOf(Pop3State.Update.class, machine.state());
        assertEquals(List.of(), cmd("NOOP"), "no input is taken in UPDATE");
        assertEquals(List.of(send(Pop3Reply.signingOff("mail.example.test")), new Pop3Action.Close()), machine.onCommitted(0));
    }

    @Test
    void aCommitThatCouldNotRemoveEverythingShouldSayErr() {
        logIn();
        cmd("DELE 1");
        cmd("QUIT");
        List<Pop3Action> actions = machine.onCommitted(1);
        Pop3Reply.Status status = (Pop3Reply.Status) ((Pop3Action.Send) actions.get(0)).reply();
        assertEquals(false, status.ok());
        assertTrue(status.text().startsWith("[SYS/TEMP]"));
    }

    @Test
    void quitBeforeLoginShouldJustSignOff() {
        assertEquals(List.of(send(Pop3Reply.signingOff("mail.example.test")), new Pop3Action.Close()), cmd("QUIT"));
    }

    @Test
    void idleTimeoutInTransactionShouldCloseWithoutCommitting() {
        logIn();
        cmd("DELE 1");
        assertEquals(List.of(send(Pop3Reply.timeout()), new Pop3Action.Close()), machine.onIdleTimeout());
        assertInstanceOf(Pop3State.Closed.class, machine.state());
    }

    @Test
    void shutdownShouldSayServerShuttingDown() {
        assertEquals(List.of(send(Pop3Reply.err("Server shutting down")), new Pop3Action.Close()), machine.onShutdown());
    }

    @Test
    void tooManyBadCommandsShouldCloseTheConnection() {
        cmd("FOO");
        cmd("BAR");
        assertEquals(List.of(send(Pop3Reply.lineTooLong(512))), machine.onLineTooLong(512));
        assertEquals(List.of(send(Pop3Reply.unknownCommand("BAZ")), send(Pop3Reply.tooManyBadCommands()),
                new Pop3Action.Close()), cmd("BAZ"));
    }

    @Test
    void capaShouldListTheRfc2449Capabilities() {
        List<Pop3Action> actions = cmd("CAPA");
        Pop3Reply.MultiLine capa = (Pop3Reply.MultiLine) ((Pop3Action.Send) actions.get(0)).reply();
        assertTrue(capa.lines().containsAll(List.of("TOP", "UIDL", "USER", "RESP-CODES", "PIPELINING",
                "AUTH-RESP-CODE", "IMPLEMENTATION Postroom")), capa.lines().toString());
    }

    @Test
    void stlsShouldBeRefusedUntilTlsIsAvailable() {
        assertEquals(List.of(send(Pop3Reply.err("STLS is not available on this server"))), cmd("STLS"));
        assertEquals(0, machine.badCommands());
    }

    @Test
    void stlsShouldBeOfferedWhenAvailableAndRestartAuthorizationAfterTheHandshake() {
        machine.tls(true, false);
        Pop3Reply.MultiLine capa = (Pop3Reply.MultiLine) ((Pop3Action.Send) cmd("CAPA").get(0)).reply();
        assertTrue(capa.lines().contains("STLS"));
        cmd("USER alice");
        assertEquals(List.of(send(Pop3Reply.ok("Begin TLS negotiation")), new Pop3Action.StartTls()), cmd("STLS"));
        assertEquals(List.of(), machine.onTlsStarted());
        assertEquals(List.of(send(Pop3Reply.err("Send USER first"))), cmd("PASS pw"), "USER from before TLS is forgotten");
        capa = (Pop3Reply.MultiLine) ((Pop3Action.Send) cmd("CAPA").get(0)).reply();
        assertFalse(capa.lines().contains("STLS"), "not offered twice");
        assertEquals(List.of(send(Pop3Reply.err("Command not permitted when TLS active"))), cmd("STLS"));
    }

    @Test
    void stlsShouldNotBeOfferedAfterLogin() {
        machine.tls(true, false);
        logIn();
        Pop3Reply.MultiLine capa = (Pop3Reply.MultiLine) ((Pop3Action.Send) cmd("CAPA").get(0)).reply();
        assertFalse(capa.lines().contains("STLS"));
        assertEquals(List.of(send(Pop3Reply.err("STLS is only valid before login"))), cmd("STLS"));
    }

    @Test
    void userInTransactionShouldBeRefused() {
        logIn();
        assertEquals(List.of(send(Pop3Reply.err("Already logged in"))), cmd("USER bob"));
    }
}
