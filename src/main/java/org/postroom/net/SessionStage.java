package org.postroom.net;

import org.apache.pekko.Done;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.stream.stage.AbstractGraphStageWithMaterializedValue;
import org.apache.pekko.stream.stage.TimerGraphStageLogic;
import org.apache.pekko.util.ByteString;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * Runs a {@link ProtocolHandler} inside the connection's stream, fused with the TCP and TLS stages, so
 * a command and its reply cross no actor mailbox: bytes in, handler, bytes out, in one step of the
 * stream's interpreter. The session actor that owns the connection ({@link SessionActor}) keeps the
 * lifecycle (its guardian watches it) and talks to this stage only through {@link Control}.
 *
 * <p>Back-pressure: input is pulled only while the handler awaits nothing and less than {@link
 * #OUTPUT_BACKLOG_LIMIT} of output waits for a slow client; output is one element in flight, later
 * replies coalesced. Once the handler closes, the last output is written, the write side completes, and
 * the stage ends when the connection has closed (or after {@link #CLOSE_GRACE}).
 */
public final class SessionStage extends AbstractGraphStageWithMaterializedValue<FlowShape<TlsSwitch.AppIn, TlsSwitch.AppOut>,
        SessionStage.Control> {

    /** Stop reading input while this much output waits for a slow client. */
    static final int OUTPUT_BACKLOG_LIMIT = 256 * 1024;
    /** After a goodbye, how long the client gets to read it before the connection is cut. */
    static final Duration CLOSE_GRACE = Duration.ofSeconds(10);

    /**
     * The session actor's handle on a running stage; thread-safe. {@link #terminated} completes when the
     * stage has stopped: normally whatever the connection did, exceptionally only when the handler threw.
     */
    public interface Control {
        /** The engine is stopping: the handler says goodbye in its protocol's words and closes. */
        void shutdown();

        /** Cuts the connection now (the session actor was stopped). */
        void abort();

        CompletionStage<Done> terminated();
    }

    private final Inlet<TlsSwitch.AppIn> in = Inlet.create("SessionStage.in");
    private final Outlet<TlsSwitch.AppOut> out = Outlet.create("SessionStage.out");
    private final FlowShape<TlsSwitch.AppIn, TlsSwitch.AppOut> shape = FlowShape.of(in, out);

    private final ConnectionInfo info;
    private final ProtocolHandler handler;
    private final Duration idleTimeout;
    private final Executor blocking;
    private final Supplier<SSLEngine> tlsEngines;
    private final boolean implicitTls;

    /**
     * @param tlsEngines server-mode engines for STARTTLS, or null when TLS is not configured
     * @param implicitTls true for an implicit-TLS listener: the handshake comes before the greeting
     */
    public SessionStage(ConnectionInfo info, ProtocolHandler handler, Duration idleTimeout, Executor blocking,
                        Supplier<SSLEngine> tlsEngines, boolean implicitTls) {
        this.info = info;
        this.handler = handler;
        this.idleTimeout = idleTimeout;
        this.blocking = blocking;
        this.tlsEngines = tlsEngines;
        this.implicitTls = implicitTls;
    }

    /** The blocking pool: file I/O, and TLS handshakes' delegated tasks. */
    Executor blocking() {
        return blocking;
    }

    boolean implicitTls() {
        return implicitTls;
    }

    @Override
    public FlowShape<TlsSwitch.AppIn, TlsSwitch.AppOut> shape() {
        return shape;
    }

    @Override
    public Pair<GraphStageLogic, Control> createLogicAndMaterializedValuePair(Attributes attributes) {
        Logic logic = new Logic();
        return Pair.create(logic, logic.control);
    }

    private static final String IDLE_TIMER = "idle";

    private final class Logic extends TimerGraphStageLogic implements SessionContext {
        private final CompletableFuture<Done> terminated = new CompletableFuture<>();
        private final AsyncCallback<Runnable> onAsync = createAsyncCallback(Runnable::run);
        /** Set once the stage stopped, so late callbacks (IDLE notifications, work) are dropped quietly. */
        private volatile boolean stopped;
        final Control control = new Control() {
            @Override
            public void shutdown() {
                post(Logic.this::onShutdown);
            }

            @Override
            public void abort() {
                post(() -> failStage(new java.io.IOException("session aborted")));
            }

            @Override
            public CompletionStage<Done> terminated() {
                return terminated;
            }
        };

        private Duration currentIdleTimeout = idleTimeout;
        private long lastInputNanos = System.nanoTime();
        private int awaiting;
        private ByteString pendingOutput = ByteString.emptyByteString();
        private SSLEngine pendingTlsStart;
        /** Output queued before startTls(): written in plaintext right before the switch. */
        private ByteString pendingTlsGoAhead = ByteString.emptyByteString();
        private boolean closing;
        private boolean endSent;
        private boolean tlsStarting;
        private boolean implicitTlsPending;
        private SSLSession tls;
        private RuntimeException handlerFailure;

        Logic() {
            super(shape);
            setHandler(in, new AbstractInHandler() {
                @Override
                public void onPush() {
                    onInput(grab(in));
                }

                @Override
                public void onUpstreamFinish() {
                    completeStage();
                }

                @Override
                public void onUpstreamFailure(Throwable cause) {
                    // A reset or broken connection is a normal end for a session, not its failure.
                    completeStage();
                }
            });
            setHandler(out, new AbstractOutHandler() {
                @Override
                public void onPull() {
                    settle();
                }

                @Override
                public void onDownstreamFinish(Throwable cause) {
                    completeStage();
                }
            });
        }

        private void post(Runnable action) {
            if (!stopped) {
                onAsync.invoke(action);
            }
        }

        @Override
        public void preStart() {
            restartIdleTimer();
            if (implicitTls) {
                // The greeting waits for the handshake (TlsStarted starts the protocol).
                implicitTlsPending = true;
                startTls();
            } else {
                guarded(() -> handler.onStart(this));
            }
            settle();
        }

        @Override
        public void postStop() {
            stopped = true;
            try {
                handler.onClosed();
            } catch (RuntimeException e) {
                org.slf4j.LoggerFactory.getLogger(SessionStage.class)
                        .warn("{} {}: error releasing session resources", info.kind(), info.sessionId(), e);
            }
            if (handlerFailure != null) {
                terminated.completeExceptionally(handlerFailure);
            } else {
                terminated.complete(Done.getInstance());
            }
        }

        private void onInput(TlsSwitch.AppIn element) {
            if (closing) {
                // Read and dropped until the connection closes after our goodbye.
                settle();
                return;
            }
            noteInput();
            if (element instanceof TlsSwitch.AppIn.TlsStarted started) {
                tlsStarting = false;
                tls = started.session();
                if (implicitTlsPending) {
                    implicitTlsPending = false;
                    guarded(() -> handler.onStart(this));
                } else {
                    guarded(() -> handler.onTlsStarted(this, started.session()));
                }
            } else if (!tlsStarting) {
                // While TLS is starting, plaintext pipelined behind STARTTLS is dropped.
                ByteString bytes = ((TlsSwitch.AppIn.Data) element).bytes();
                guarded(() -> handler.onInput(bytes, this));
            }
            settle();
        }

        @Override
        public void onTimer(Object key) {
            if (closing) {
                // The client did not read our goodbye in time.
                failStage(new java.io.IOException("goodbye not read within " + CLOSE_GRACE));
                return;
            }
            long idleNanos = System.nanoTime() - lastInputNanos;
            long timeoutNanos = currentIdleTimeout.toNanos();
            if (idleNanos < timeoutNanos) {
                // Input came since the timer was set: wait for the rest of the timeout.
                scheduleOnce(IDLE_TIMER, Duration.ofNanos(timeoutNanos - idleNanos));
                return;
            }
            guarded(() -> handler.onIdleTimeout(this));
            if (!closing) {
                restartIdleTimer();
            }
            settle();
        }

        private void onShutdown() {
            if (!closing) {
                guarded(() -> handler.onShutdown(this));
                // A handler with work in hand (a message being fsynced) answers it first and closes itself;
                // the guardian's grace period bounds the wait.
                if (awaiting == 0) {
                    close();
                }
            }
            settle();
        }

        /** A handler that throws ends its session as failed (the guardian counts it so). */
        private void guarded(Runnable call) {
            try {
                call.run();
            } catch (RuntimeException e) {
                handlerFailure = e;
                throw e;
            }
        }

        /** After any event: write what is pending, read more if we can take it. */
        private void settle() {
            flush();
            if (isClosed(in) || hasBeenPulled(in)) {
                return;
            }
            if (endSent || (awaiting == 0 && !closing && pendingOutput.size() < OUTPUT_BACKLOG_LIMIT)) {
                // After the end, input is drained (and dropped) until the connection closes.
                pull(in);
            }
        }

        private void flush() {
            if (endSent || isClosed(out)) {
                return;
            }
            if (isAvailable(out)) {
                if (pendingTlsStart != null) {
                    // The go-ahead and the switch travel as one element (see TlsSwitch.AppOut.StartTls).
                    push(out, new TlsSwitch.AppOut.StartTls(pendingTlsStart, pendingTlsGoAhead));
                    pendingTlsStart = null;
                    pendingTlsGoAhead = ByteString.emptyByteString();
                    return;
                }
                if (!pendingOutput.isEmpty()) {
                    push(out, new TlsSwitch.AppOut.Data(pendingOutput));
                    pendingOutput = ByteString.emptyByteString();
                }
            }
            if (closing && awaiting == 0 && pendingOutput.isEmpty() && pendingTlsStart == null) {
                // Completing after a push is fine: the element goes out first.
                complete(out);
                endSent = true;
            }
        }

        /** Counts the idle time from now; the timer is only re-armed when it fires (not per chunk of input). */
        private void noteInput() {
            lastInputNanos = System.nanoTime();
            if (!isTimerActive(IDLE_TIMER)) {
                scheduleOnce(IDLE_TIMER, currentIdleTimeout);
            }
        }

        private void restartIdleTimer() {
            lastInputNanos = System.nanoTime();
            scheduleOnce(IDLE_TIMER, currentIdleTimeout);
        }

        // ---- SessionContext: the handler's view of this stage; valid only on the stage's thread ----

        @Override
        public ConnectionInfo connection() {
            return info;
        }

        @Override
        public void send(ByteString bytes) {
            if (!closing) {
                pendingOutput = pendingOutput.concat(bytes);
            }
        }

        @Override
        public void close() {
            if (!closing) {
                closing = true;
                scheduleOnce(IDLE_TIMER, CLOSE_GRACE);
            }
        }

        @Override
        public boolean isClosing() {
            return closing;
        }

        @Override
        public <T> void await(CompletionStage<T> work, BiConsumer<T, Throwable> then) {
            await(work, then, false);
        }

        /**
         * @param continueThere true: the thread that completes {@code work} runs the continuation (and
         *     writes the reply) itself, when the stage is idle, instead of waking a dispatcher thread
         */
        private <T> void await(CompletionStage<T> work, BiConsumer<T, Throwable> then, boolean continueThere) {
            awaiting++;
            work.whenComplete((value, error) -> {
                Runnable done = () -> post(() -> onWorkDone(() -> then.accept(value,
                        error instanceof CompletionException && error.getCause() != null ? error.getCause() : error)));
                if (continueThere) {
                    InlineDispatch.allowing(done);
                } else {
                    done.run();
                }
            });
        }

        private void onWorkDone(Runnable continuation) {
            awaiting--;
            guarded(continuation);
            if (awaiting == 0 && !closing) {
                guarded(() -> handler.onResume(this));
            }
            settle();
        }

        @Override
        public <T> void awaitContinuingThere(CompletionStage<T> work, BiConsumer<T, Throwable> then) {
            await(work, then, true);
        }

        @Override
        public <T> void awaitBlocking(Callable<T> work, BiConsumer<T, Throwable> then) {
            // The blocking thread that did the work also continues the session: no dispatcher thread is
            // woken between the work and the reply.
            await(CompletableFuture.supplyAsync(() -> {
                try {
                    return work.call();
                } catch (RuntimeException e) {
                    throw e;
                } catch (Exception e) {
                    throw new CompletionException(e);
                }
            }, blocking), then, true);
        }

        @Override
        public boolean isAwaiting() {
            return awaiting > 0;
        }

        @Override
        public void setIdleTimeout(Duration timeout) {
            currentIdleTimeout = timeout;
            if (!closing) {
                restartIdleTimer();
            }
        }

        @Override
        public boolean tlsAvailable() {
            return tlsEngines != null;
        }

        @Override
        public boolean isTls() {
            return tls != null || tlsStarting;
        }

        @Override
        public void startTls() {
            if (tlsEngines == null) {
                throw new IllegalStateException("TLS is not configured");
            }
            if (tls != null || tlsStarting) {
                throw new IllegalStateException("TLS already active");
            }
            SSLEngine engine = tlsEngines.get();
            engine.setUseClientMode(false);
            pendingTlsStart = engine;
            pendingTlsGoAhead = pendingOutput;
            pendingOutput = ByteString.emptyByteString();
            tlsStarting = true;
        }

        @Override
        public Runnable callback(Runnable action) {
            return () -> post(() -> {
                if (!closing) {
                    guarded(action);
                }
                settle();
            });
        }
    }
}
