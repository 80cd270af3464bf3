package org.postroom.pop3.session;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postroom.net.FakeSessionContext;
import org.postroom.pop3.Pop3Fixture;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Pop3HandlerTest {
    @TempDir
    Path temp;

    @Test
    void startShouldSetTheConfiguredIdleTimeout() {
        Pop3Fixture f = new Pop3Fixture(temp);
        FakeSessionContext ctx = f.session();
        ctx.start();
        assertEquals(Duration.ofMinutes(5), ctx.idleTimeout());
    }

    @Test
    void aLoggedInSessionShouldGetAtLeastTheTenMinutesRfc1939AsksFor() {
        Pop3Fixture f = new Pop3Fixture(temp);
        FakeSessionContext ctx = f.session();
        ctx.start();
        ctx.feed("USER alice\r\nPASS alice-pw\r\n");
        assertEquals(Duration.ofMinutes(10), ctx.idleTimeout());
    }

    @Test
    void aFailedLoginShouldBeAnsweredOnlyAfterTheGrowingPause() {
        Pop3Fixture f = new Pop3Fixture(temp, new Pop3Policy(512, 5, 3, Duration.ofMillis(100), Duration.ofMinutes(5)));
        FakeSessionContext ctx = f.session();
        ctx.start();
        long t0 = System.nanoTime();
        assertEquals("+OK Send your password\r\n-ERR [AUTH] Invalid credentials\r\n", ctx.feed("USER alice\r\nPASS x\r\n"));
        long first = System.nanoTime() - t0;
        t0 = System.nanoTime();
        assertEquals("+OK Send your password\r\n-ERR [AUTH] Invalid credentials\r\n", ctx.feed("USER alice\r\nPASS y\r\n"));
        long second = System.nanoTime() - t0;
        assertTrue(first >= Duration.ofMillis(100).toNanos(), "first pause " + first);
        assertTrue(second >= Duration.ofMillis(200).toNanos(), "second pause " + second);
        assertFalse(ctx.isClosing());
    }

    @Test
    void retrOfAMessageRemovedByAnotherClientShouldSaySoAndGoOn() throws IOException {
        Pop3Fixture f = new Pop3Fixture(temp);
        f.seedStandardMailbox();
        FakeSessionContext ctx = f.session();
        ctx.start();
        ctx.feed("USER alice\r\nPASS alice-pw\r\n");
        for (String name : f.aliceFiles()) {
            Files.delete(f.store.inbox(Pop3Fixture.ALICE).resolve(name));
        }
        assertEquals("-ERR Message 2 was removed from the mailbox by another client\r\n+OK\r\n", ctx.feed("RETR 2\r\nNOOP\r\n"));
    }

    @Test
    void quitWithDeletionsShouldNotifyMailboxWatchersAndFreeTheLockBeforeTheReply() throws IOException {
        Pop3Fixture f = new Pop3Fixture(temp);
        f.seedStandardMailbox();
        FakeSessionContext ctx = f.session();
        ctx.start();
        ctx.feed("USER alice\r\nPASS alice-pw\r\n");
        assertTrue(f.locks.isLocked(Pop3Fixture.ALICE));

        assertEquals("+OK Message 1 deleted\r\n+OK mail.example.test POP3 server signing off\r\n", ctx.feed("DELE 1\r\nQUIT\r\n"));

        assertFalse(f.locks.isLocked(Pop3Fixture.ALICE), "released by the commit, before onClosed");
        assertEquals(List.of(Pop3Fixture.ALICE), f.changed);
        assertEquals(2, f.aliceFiles().size());
    }

    @Test
    void onClosedShouldReleaseTheLockWhateverTheState() throws IOException {
        Pop3Fixture f = new Pop3Fixture(temp);
        Pop3Handler handler = f.handler();
        FakeSessionContext ctx = new FakeSessionContext(handler, "pop3");
        ctx.start();
        ctx.feed("USER bob\r\nPASS bob-pw\r\n");
        assertTrue(f.locks.isLocked("bob@example.test"));
        handler.onClosed();
        handler.onClosed();
        assertFalse(f.locks.isLocked("bob@example.test"));
        assertTrue(f.changed.isEmpty(), "nothing was deleted");
    }

    @Test
    void anOverlongLineShouldBeRefusedAndTheSessionGoOn() {
        Pop3Fixture f = new Pop3Fixture(temp);
        FakeSessionContext ctx = f.session();
        ctx.start();
        assertEquals("-ERR Line too long (limit 512 octets)\r\n+OK\r\n", ctx.feed("USER " + "x".repeat(600) + "\r\nNOOP\r\n"));
    }

    @Test
    void aPasswordShouldBeComparedWithItsTrailingSpace() {
        Pop3Fixture f = new Pop3Fixture(temp);
        FakeSessionContext ctx = f.session();
        ctx.start();
        assertEquals("+OK Send your password\r\n-ERR [AUTH] Invalid credentials\r\n", ctx.feed("USER alice\r\nPASS alice-pw \r\n"));
    }

    @Test
    void pipelinedRetrsOfSmallMessagesShouldBeAnsweredInOnePassWithoutTheBlockingPool() throws IOException {
        Pop3Fixture f = new Pop3Fixture(temp);
        f.seedStandardMailbox();
        FakeSessionContext ctx = f.session();
        ctx.start();
        ctx.feed("USER alice\r\nPASS alice-pw\r\n");
        int before = ctx.blockingCalls();

        String out = ctx.feed("RETR 1\r\nRETR 3\r\nTOP 2 1\r\n");

        assertEquals(before, ctx.blockingCalls(), "small messages are read inline");
        assertTrue(out.startsWith("+OK "), out);
        assertTrue(out.indexOf("Hello Alice.\r\n.\r\n+OK ") > 0, out);
        assertTrue(out.indexOf("Bye.\r\n.\r\n+OK ") > out.indexOf("Hello Alice."), out);
        assertTrue(out.endsWith("Subject: dots\r\n\r\nline one\r\n.\r\n"), out);
    }

    @Test
    void aMessageOverTheInlineLimitShouldBeReadOnTheBlockingPool() throws IOException {
        Pop3Fixture f = new Pop3Fixture(temp);
        String big = "Subject: big\n\n" + "y".repeat(99) + "\n";
        f.seed("1700000009.M9P1Q9.mail.example.test", big + ("z".repeat(99) + "\n").repeat(700));
        FakeSessionContext ctx = f.session();
        ctx.start();
        ctx.feed("USER alice\r\nPASS alice-pw\r\n");
        int before = ctx.blockingCalls();

        String out = ctx.feed("RETR 1\r\n");

        assertEquals(before + 1, ctx.blockingCalls());
        assertTrue(out.startsWith("+OK 70" ), out.substring(0, 20));
        assertTrue(out.endsWith("z\r\n.\r\n"));
    }

    @Test
    void theInlineDecisionShouldFollowTheListedSize() {
        assertTrue(Pop3Handler.readsInline(4096));
        assertTrue(Pop3Handler.readsInline(Pop3Handler.INLINE_READ_LIMIT));
        assertFalse(Pop3Handler.readsInline(Pop3Handler.INLINE_READ_LIMIT + 1));
    }
}
