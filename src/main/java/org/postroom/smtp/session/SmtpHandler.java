package org.postroom.smtp.session;

import org.apache.pekko.util.ByteString;
import org.postroom.auth.Accounts;
import org.postroom.auth.AuthThrottle;
import org.postroom.net.ProtocolHandler;
import org.postroom.net.SessionContext;
import org.postroom.smtp.codec.DataReceiver;
import org.postroom.smtp.codec.InputBuffer;
import org.postroom.smtp.codec.SmtpCommandParser;
import org.postroom.smtp.codec.SmtpLineDecoder;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.List;
import java.util.Optional;

/**
 * The thin adapter between one connection ({@link SessionContext}) and its {@link SmtpSessionMachine}:
 * buffers input, frames it the way the machine's mode asks ({@link SmtpLineDecoder} for commands and
 * AUTH lines, a fresh {@link DataReceiver} per DATA), feeds the machine, and performs its actions.
 * Credentials checks and message acceptance run with {@code ctx.awaitBlocking}; input reading pauses
 * meanwhile and the buffered, pipelined rest is processed on {@link #onResume}. Replies are collected
 * and written once per pipelining group (or when input runs dry), so a pipelined MAIL/RCPT/RCPT/DATA
 * costs one write. On STARTTLS it drops all unread input and asks the context to switch to TLS.
 * Runs on the session's thread only.
 */
public final class SmtpHandler implements ProtocolHandler {
    private final SmtpSessionConfig config;
    private final Accounts accounts;
    private final MailAcceptor acceptor;
    private final SmtpSessionMachine machine;
    private final InputBuffer input = new InputBuffer();
    private final SmtpLineDecoder lines;
    private DataReceiver data;
    private StringBuilder pending;
    private final AuthThrottle throttle;
    private final String peerIp;
    /** False while the greeting waits for {@code greetingDelay}: input then means an early talker. */
    private boolean greeted;

    public SmtpHandler(SmtpSessionConfig config, Accounts accounts, MailAcceptor acceptor, String peerIp) {
        this(config, accounts, acceptor, peerIp, AuthThrottle.disabled());
    }

    /** With the engine's shared failed-login throttle ({@code inbound.auth.*}). */
    public SmtpHandler(SmtpSessionConfig config, Accounts accounts, MailAcceptor acceptor, String peerIp,
                       AuthThrottle throttle) {
        this.config = config;
        this.accounts = accounts;
        this.acceptor = acceptor;
        this.peerIp = peerIp;
        this.throttle = throttle;
        this.machine = new SmtpSessionMachine(config, peerIp);
        this.lines = new SmtpLineDecoder(config.maxLineLength());
    }

    @Override
    public void onStart(SessionContext ctx) {
        ctx.setIdleTimeout(config.idleTimeout());
        List<SmtpAction> greeting = machine.start(ctx.tlsAvailable(), ctx.isTls());
        Duration delay = config.greetingDelay();
        if (delay.isZero() || delay.isNegative()) {
            greeted = true;
            perform(greeting, ctx);
            return;
        }
        // Input keeps flowing meanwhile (no await): a byte before the greeting is an early talker.
        Runnable greet = ctx.callback(() -> {
            if (!greeted && machine.mode() != SmtpSessionMachine.Mode.CLOSED && !ctx.isClosing()) {
                greeted = true;
                perform(greeting, ctx);
            }
        });
        CompletableFuture.delayedExecutor(delay.toMillis(), TimeUnit.MILLISECONDS).execute(greet);
    }

    @Override
    public void onInput(ByteString bytes, SessionContext ctx) {
        if (ctx.isClosing() || machine.mode() == SmtpSessionMachine.Mode.CLOSED) {
            return;
        }
        if (!greeted) {
            if (!bytes.isEmpty()) {
                perform(machine.onEarlyTalker(), ctx);
            }
            return;
        }
        input.append(bytes);
        process(ctx);
    }

    private void process(SessionContext ctx) {
        while (!ctx.isAwaiting() && !ctx.isClosing()) {
            SmtpSessionMachine.Mode mode = machine.mode();
            if (mode == SmtpSessionMachine.Mode.DATA) {
                if (data == null) {
                    data = new DataReceiver(config.maxMessageSize(), machine.declaredSize());
                }
                DataReceiver.Result r = data.receive(input);
                if (r instanceof DataReceiver.NeedMore) {
                    break;
                }
                data = null;
                perform(machine.onDataReceived(r), ctx);
            } else if (mode == SmtpSessionMachine.Mode.COMMAND || mode == SmtpSessionMachine.Mode.AUTH_LINE) {
                SmtpLineDecoder.Result r = lines.next(input);
                if (r instanceof SmtpLineDecoder.NeedMore) {
                    break;
                }
                if (r instanceof SmtpLineDecoder.Line line) {
                    perform(mode == SmtpSessionMachine.Mode.COMMAND
                            ? machine.onCommand(SmtpCommandParser.parse(line.text()))
                            : machine.onAuthLine(line.text()), ctx);
                } else {
                    perform(machine.onLineTooLong(), ctx);
                }
            } else {
                break;
            }
        }
        flush(ctx);
    }

    private void perform(List<SmtpAction> actions, SessionContext ctx) {
        for (SmtpAction action : actions) {
            if (action instanceof SmtpAction.Reply reply) {
                if (pending == null) {
                    pending = new StringBuilder(128);
                }
                pending.append(reply.reply().render());
            } else if (action instanceof SmtpAction.Flush) {
                flush(ctx);
            } else if (action instanceof SmtpAction.Close) {
                flush(ctx);
                input.discard();
                ctx.close();
            } else if (action instanceof SmtpAction.StartTls) {
                flush(ctx); // "220 Ready to start TLS" goes out in plaintext, then the switch
                ctx.startTls();
                input.discard();
                lines.reset();
            } else if (action instanceof SmtpAction.Authenticate auth) {
                authenticate(auth, ctx);
            } else if (action instanceof SmtpAction.Accept accept) {
                accept(accept, ctx);
            }
        }
    }

    /**
     * Hands the message to the acceptor: without a blocking thread where it can (the journal's commit
     * thread then sends the 250), else on the blocking dispatcher.
     */
    private void accept(SmtpAction.Accept accept, SessionContext ctx) {
        java.util.function.BiConsumer<String, Throwable> then = (id, error) ->
                perform(error == null ? machine.onAccepted(id) : machine.onAcceptFailed(), ctx);
        java.util.concurrent.CompletionStage<String> started;
        try {
            started = acceptor.acceptWithoutWaiting(accept.envelope(), accept.message());
        } catch (java.io.IOException | RuntimeException e) {
            started = CompletableFuture.failedFuture(e);
        }
        if (started != null) {
            ctx.awaitContinuingThere(started, then);
        } else {
            ctx.awaitBlocking(() -> acceptor.accept(accept.envelope(), accept.message()), then);
        }
    }

    /** The outcome of one credentials check, throttle included. */
    private record AuthOutcome(Optional<String> address, boolean throttled, Duration pause) {}

    /**
     * Checks credentials through the shared {@link AuthThrottle}: a locked-out IP or account gets 454
     * without a check; a failure is answered after the throttle's growing pause (awaited, not slept).
     */
    private void authenticate(SmtpAction.Authenticate auth, SessionContext ctx) {
        ctx.awaitBlocking(() -> {
            String account = auth.login();
            if (throttle.check(peerIp, account) instanceof AuthThrottle.Refused) {
                return new AuthOutcome(Optional.empty(), true, Duration.ZERO);
            }
            Optional<String> address = accounts.authenticate(auth.login(), auth.password());
            if (address.isPresent()) {
                throttle.succeeded(peerIp, account);
                return new AuthOutcome(address, false, Duration.ZERO);
            }
            return new AuthOutcome(address, false, throttle.failed(peerIp, account));
        }, (AuthOutcome outcome, Throwable error) -> {
            if (error != null) {
                perform(machine.onAuthResult(Optional.empty()), ctx);
            } else if (outcome.throttled()) {
                perform(machine.onAuthThrottled(), ctx);
            } else if (!outcome.pause().isZero()) {
                CompletableFuture<Void> later = CompletableFuture.runAsync(() -> { },
                        CompletableFuture.delayedExecutor(outcome.pause().toMillis(), TimeUnit.MILLISECONDS));
                ctx.await(later, (v, e) -> perform(machine.onAuthResult(outcome.address()), ctx));
            } else {
                perform(machine.onAuthResult(outcome.address()), ctx);
            }
        });
    }

    private void flush(SessionContext ctx) {
        if (pending != null && pending.length() > 0) {
            ctx.send(ByteString.fromString(pending.toString(), StandardCharsets.UTF_8));
            pending = null;
        }
    }

    /** RFC 3207: no new greeting after the handshake; the client sends EHLO again. */
    @Override
    public void onTlsStarted(SessionContext ctx, javax.net.ssl.SSLSession session) {
        process(ctx);
    }

    @Override
    public void onIdleTimeout(SessionContext ctx) {
        perform(machine.onIdleTimeout(), ctx);
    }

    @Override
    public void onShutdown(SessionContext ctx) {
        perform(machine.onShutdown(), ctx);
    }

    @Override
    public void onClosed() {
        input.discard();
        data = null;
    }
}
