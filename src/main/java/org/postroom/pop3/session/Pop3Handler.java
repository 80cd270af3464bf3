package org.postroom.pop3.session;

import org.apache.pekko.util.ByteString;
import org.postroom.auth.AuthThrottle;
import org.postroom.net.ProtocolHandler;
import org.postroom.net.SessionContext;
import org.postroom.pop3.codec.Pop3Decoded;
import org.postroom.pop3.codec.Pop3LineDecoder;
import org.postroom.pop3.codec.Pop3MessageEncoder;
import org.postroom.pop3.codec.Pop3Reply;
import org.postroom.pop3.maildrop.Maildrop;
import org.postroom.pop3.maildrop.MaildropFiles;
import org.postroom.pop3.maildrop.MaildropLocks;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * One POP3 connection: decodes command lines ({@link Pop3LineDecoder}), feeds them to the
 * {@link Pop3SessionMachine} and performs its actions on the {@link SessionContext}. File work
 * (listing, deleting, reading a message over {@link #INLINE_READ_LIMIT}) and credential checks run
 * through {@code ctx.awaitBlocking}; while one is in flight no further command is taken, so pipelined
 * commands are answered in order. Small messages are read inline, so a chunk of pipelined RETRs is
 * answered in one pass and its replies leave as one write.
 * Holds the account's {@link MaildropLocks.Lease} from login until QUIT's commit or {@link #onClosed},
 * whichever comes first, so the lock is released whatever way the session ends.
 */
public final class Pop3Handler implements ProtocolHandler {
    private static final Logger log = LoggerFactory.getLogger(Pop3Handler.class);

    private final Pop3Backend backend;
    private final Pop3LineDecoder decoder;
    private final Pop3SessionMachine machine;
    private final Deque<Pop3Action> pending = new ArrayDeque<>();
    private MaildropLocks.Lease lease;
    private final AuthThrottle throttle;
    private final String peerIp;

    public Pop3Handler(Pop3Backend backend) {
        this(backend, "<" + ProcessHandle.current().pid() + "." + System.nanoTime() + "."
                + Long.toHexString(ThreadLocalRandom.current().nextLong()) + "@" + backend.hostname() + ">");
    }

    /** With the engine's shared failed-login throttle, for a client at {@code peerIp}. */
    public Pop3Handler(Pop3Backend backend, AuthThrottle throttle, String peerIp) {
        this(backend, "<" + ProcessHandle.current().pid() + "." + System.nanoTime() + "."
                + Long.toHexString(ThreadLocalRandom.current().nextLong()) + "@" + backend.hostname() + ">",
                throttle, peerIp);
    }

    /** With a fixed APOP timestamp (tests). */
    public Pop3Handler(Pop3Backend backend, String apopTimestamp) {
        this(backend, apopTimestamp, AuthThrottle.disabled(), "");
    }

    public Pop3Handler(Pop3Backend backend, String apopTimestamp, AuthThrottle throttle, String peerIp) {
        this.throttle = throttle;
        this.peerIp = peerIp;
        this.backend = backend;
        this.decoder = new Pop3LineDecoder(backend.policy().maxLineLength());
        this.machine = new Pop3SessionMachine(backend.policy(), backend.hostname(), apopTimestamp);
    }

    public Pop3State state() {
        return machine.state();
    }

    @Override
    public void onStart(SessionContext ctx) {
        ctx.setIdleTimeout(backend.policy().idleTimeout());
        machine.tls(ctx.tlsAvailable(), ctx.isTls());
        perform(machine.start(), ctx);
    }

    @Override
    public void onInput(ByteString bytes, SessionContext ctx) {
        decoder.feed(bytes);
        drain(ctx);
        while (pending.isEmpty() && !ctx.isAwaiting() && !ctx.isClosing()) {
            Pop3Decoded next = decoder.next();
            if (next instanceof Pop3Decoded.Command c) {
                perform(machine.onCommand(c.command()), ctx);
            } else if (next instanceof Pop3Decoded.LineTooLong l) {
                perform(machine.onLineTooLong(l.limit()), ctx);
            } else {
                break;
            }
        }
    }

    @Override
    public void onTlsStarted(SessionContext ctx, javax.net.ssl.SSLSession session) {
        perform(machine.onTlsStarted(), ctx);
    }

    @Override
    public void onIdleTimeout(SessionContext ctx) {
        sayGoodbye(machine.onIdleTimeout(), ctx);
    }

    @Override
    public void onShutdown(SessionContext ctx) {
        sayGoodbye(machine.onShutdown(), ctx);
    }

    /** The last words (a Send and a Close) go out at once, even while work is awaited. */
    private void sayGoodbye(List<Pop3Action> actions, SessionContext ctx) {
        if (!actions.isEmpty()) {
            pending.clear();
            actions.forEach(a -> run(a, ctx));
        }
    }

    @Override
    public void onClosed() {
        // A connection lost without QUIT deletes nothing: only the lock goes.
        releaseLock();
    }

    private void perform(List<Pop3Action> actions, SessionContext ctx) {
        pending.addAll(actions);
        drain(ctx);
    }

    /** Results of asynchronous work go before whatever was still queued. */
    private void performFirst(List<Pop3Action> actions) {
        for (int i = actions.size() - 1; i >= 0; i--) {
            pending.addFirst(actions.get(i));
        }
    }

    /** Runs queued actions until one is asynchronous; {@link #onResume} brings us back. */
    private void drain(SessionContext ctx) {
        while (!pending.isEmpty() && !ctx.isAwaiting() && !ctx.isClosing()) {
            run(pending.poll(), ctx);
        }
    }

    private void run(Pop3Action action, SessionContext ctx) {
        if (action instanceof Pop3Action.Send s) {
            ctx.send(s.reply().encode());
        } else if (action instanceof Pop3Action.Close) {
            ctx.close();
        } else if (action instanceof Pop3Action.SetIdleTimeout t) {
            ctx.setIdleTimeout(t.timeout());
        } else if (action instanceof Pop3Action.StartTls) {
            // Commands pipelined in plaintext behind STLS must never run (RFC 2595 section 4).
            decoder.discardBuffered();
            pending.clear();
            ctx.startTls();
        } else if (action instanceof Pop3Action.Pause p) {
            CompletableFuture<Void> later = CompletableFuture.runAsync(() -> { },
                    CompletableFuture.delayedExecutor(p.duration().toMillis(), TimeUnit.MILLISECONDS));
            ctx.await(later, (v, e) -> { });
        } else if (action instanceof Pop3Action.CheckCredentials c) {
            checkCredentials(c, ctx);
        } else if (action instanceof Pop3Action.OpenMaildrop o) {
            open(o.account(), ctx);
        } else if (action instanceof Pop3Action.SendMessage m) {
            sendMessage(m, ctx);
        } else if (action instanceof Pop3Action.Commit c) {
            commit(c, ctx);
        }
    }

    /** The outcome of one credentials check, throttle included. */
    private record Checked(Optional<String> account, boolean throttled, Duration pause) {}

    /**
     * Checks credentials through the shared {@link AuthThrottle}: a locked-out IP or account gets
     * {@code -ERR [SYS/TEMP]} without a check; a failure is answered after the throttle's pause.
     */
    private void checkCredentials(Pop3Action.CheckCredentials c, SessionContext ctx) {
        ctx.awaitBlocking(() -> {
            String name = c.login();
            if (throttle.check(peerIp, name) instanceof AuthThrottle.Refused) {
                return new Checked(Optional.empty(), true, Duration.ZERO);
            }
            Optional<String> account = backend.authenticator().check(c.login(), c.credentials());
            if (account.isPresent()) {
                throttle.succeeded(peerIp, name);
                return new Checked(account, false, Duration.ZERO);
            }
            return new Checked(account, false, throttle.failed(peerIp, name));
        }, (checked, error) -> {
            if (error != null) {
                log.warn("POP3 credential check failed for {}", c.login(), error);
                performFirst(machine.onCredentials(Optional.empty()));
            } else if (checked.throttled()) {
                performFirst(machine.onAuthThrottled());
            } else if (!checked.pause().isZero()) {
                CompletableFuture<Void> later = CompletableFuture.runAsync(() -> { },
                        CompletableFuture.delayedExecutor(checked.pause().toMillis(), TimeUnit.MILLISECONDS));
                ctx.await(later, (v, e) -> performFirst(machine.onCredentials(checked.account())));
            } else {
                performFirst(machine.onCredentials(checked.account()));
            }
        });
    }

    private void open(String account, SessionContext ctx) {
        Optional<MaildropLocks.Lease> taken = backend.locks().tryLock(account);
        if (taken.isEmpty()) {
            performFirst(machine.onMailboxInUse());
            return;
        }
        lease = taken.get();
        ctx.awaitBlocking(() -> MaildropFiles.open(account, backend.inboxOf().apply(account)),
                (drop, error) -> {
                    if (error != null) {
                        log.warn("POP3 could not list the maildrop of {}", account, error);
                        releaseLock();
                        performFirst(machine.onMaildropFailed());
                    } else {
                        performFirst(machine.onMaildropOpened(drop));
                    }
                });
    }

    /**
     * Messages up to this size (CRLF octets, as listed) are read on the session's own thread: a page
     * cache read of a few KiB takes microseconds, less than the two thread hand-overs of a trip through
     * the blocking pool, which dominate a RETR at few clients. Larger ones (a disk read may take
     * milliseconds, and their encoding allocates more) still go to the blocking pool. 64 KiB covers
     * most mail (the median message is a few KiB) and bounds the time one read can hold the thread.
     */
    public static final long INLINE_READ_LIMIT = 64 * 1024;

    /** True when RETR/TOP of a message of this listed size is served without the blocking-pool hop. */
    public static boolean readsInline(long listedSize) {
        return listedSize <= INLINE_READ_LIMIT;
    }

    private void sendMessage(Pop3Action.SendMessage m, SessionContext ctx) {
        Maildrop drop = m.drop();
        String status = m.message().size() + " octets";
        java.util.concurrent.Callable<List<ByteString>> work = () -> {
            byte[] bytes = MaildropFiles.read(drop, m.message());
            return m.topLines().isPresent()
                    ? Pop3MessageEncoder.top(status, bytes, m.topLines().getAsInt())
                    : Pop3MessageEncoder.retr(status, bytes);
        };
        if (readsInline(m.message().size())) {
            // Inline: the reply is queued now, and the next pipelined command runs in the same pass.
            List<ByteString> reply;
            try {
                reply = work.call();
            } catch (Exception e) {
                replyReadFailure(m, drop, e, ctx);
                return;
            }
            reply.forEach(ctx::send);
            return;
        }
        ctx.awaitBlocking(work, (reply, error) -> {
            if (error == null) {
                reply.forEach(ctx::send);
            } else {
                replyReadFailure(m, drop, error, ctx);
            }
        });
    }

    private static void replyReadFailure(Pop3Action.SendMessage m, Maildrop drop, Throwable error, SessionContext ctx) {
        if (error instanceof NoSuchFileException) {
            ctx.send(Pop3Reply.messageGone(m.number()).encode());
        } else {
            log.warn("POP3 could not read message {} of {}", m.number(), drop.account(), error);
            ctx.send(Pop3Reply.err("[SYS/TEMP] Unable to read message " + m.number()).encode());
        }
    }

    private void commit(Pop3Action.Commit c, SessionContext ctx) {
        // The commit owns the lock from here and frees it once the files are gone, before +OK.
        MaildropLocks.Lease held = lease;
        lease = null;
        String account = c.drop().account();
        if (c.marked().isEmpty()) {
            // Nothing to delete: no file I/O, so no trip through the blocking pool.
            if (held != null) {
                held.release();
            }
            performFirst(machine.onCommitted(0));
            return;
        }
        ctx.awaitBlocking(() -> {
            try {
                return MaildropFiles.delete(c.drop(), c.marked());
            } finally {
                if (held != null) {
                    held.release();
                }
                if (!c.marked().isEmpty()) {
                    backend.mailboxChanged().accept(account);
                }
            }
        }, (failed, error) -> performFirst(machine.onCommitted(error == null ? failed : c.marked().size())));
    }

    private void releaseLock() {
        if (lease != null) {
            lease.release();
            lease = null;
        }
    }
}
