package org.postroom.net;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.stream.CompletionStrategy;
import org.apache.pekko.stream.javadsl.BidiFlow;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.Tcp;
import org.apache.pekko.stream.typed.javadsl.ActorSink;
import org.apache.pekko.stream.typed.javadsl.ActorSource;
import org.apache.pekko.util.ByteString;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;

/**
 * One admitted connection, whatever its protocol: owns the socket's two streams and runs a
 * {@link ProtocolHandler} on them. Input comes through an {@code ActorSink} with back-pressure (a
 * chunk is acknowledged only when the handler has no awaited work pending and the output backlog is
 * small), output goes through an {@code ActorSource} with back-pressure (one write in flight, later
 * writes coalesced). A slow reader or a slow disk therefore never makes the engine buffer without bound.
 *
 * <p>Accepts: the stream's own messages, {@link Shutdown} from the guardian (engine stopping), and
 * internal completions of awaited work and callbacks. Stops when the connection ends in any way; the
 * guardian watches it, so it never reports its own end. Not restarted on failure: a restarted
 * session would have lost its socket.
 */
public final class SessionActor extends AbstractBehavior<SessionActor.Command> {

    public sealed interface Command {}

    /** The engine is stopping: the handler says goodbye in its protocol's words and closes. */
    public enum Shutdown implements Command { INSTANCE }

    enum InputAck { INSTANCE }

    private record InputStarted(ActorRef<InputAck> ackTo) implements Command {}

    private record InputChunk(ActorRef<InputAck> ackTo, TlsSwitch.AppIn element) implements Command {}

    private enum InputEnded implements Command { INSTANCE }

    private record InputFailed(Throwable cause) implements Command {}

    private enum OutputAcked implements Command { INSTANCE }

    private record WorkDone(Runnable continuation) implements Command {}

    private record CallbackFired(Runnable action) implements Command {}

    private enum IdleTimeout implements Command { INSTANCE }

    /** What the actor hands its output stream: bytes, then an orderly end or an abort. */
    private sealed interface Outgoing {
        record Bytes(ByteString bytes) implements Outgoing {}

        record StartTls(javax.net.ssl.SSLEngine engine, ByteString goAhead) implements Outgoing {}

        enum End implements Outgoing { INSTANCE }

        enum Abort implements Outgoing { INSTANCE }
    }

    /** Stop reading input while this much output waits for a slow client. */
    private static final int OUTPUT_BACKLOG_LIMIT = 256 * 1024;
    /** After a goodbye, how long the client gets to read it before the connection is cut. */
    private static final Duration CLOSE_GRACE = Duration.ofSeconds(10);

    private final ProtocolHandler handler;
    private final ConnectionInfo info;
    private final TimerScheduler<Command> timers;
    private final Executor blocking;
    private final ActorRef<Outgoing> output;
    private final Context context = new Context();

    private Duration idleTimeout;
    private ActorRef<InputAck> pendingAck;
    private int awaiting;
    private boolean outputReady = true;
    private ByteString pendingOutput = ByteString.emptyByteString();
    private javax.net.ssl.SSLEngine pendingTlsStart;
    /** Output queued before startTls(): written in plaintext right before the switch. */
    private ByteString pendingTlsGoAhead = ByteString.emptyByteString();
    private boolean closing;
    private boolean endSent;
    private boolean stopped;
    private boolean tlsStarting;
    private boolean implicitTlsPending;
    private javax.net.ssl.SSLSession tls;
    private final java.util.function.Supplier<javax.net.ssl.SSLEngine> tlsEngines;

    public static Behavior<Command> create(Tcp.IncomingConnection connection, ConnectionInfo info,
                                           ProtocolHandler handler, Duration idleTimeout, Executor blocking) {
        return create(connection, info, handler, idleTimeout, blocking, null, false);
    }

    /**
     * @param tlsEngines server-mode engines for STARTTLS, or null when TLS is not configured
     * @param implicitTls true for an implicit-TLS listener: the handshake comes before the greeting
     */
    public static Behavior<Command> create(Tcp.IncomingConnection connection, ConnectionInfo info,
                                           ProtocolHandler handler, Duration idleTimeout, Executor blocking,
                                           java.util.function.Supplier<javax.net.ssl.SSLEngine> tlsEngines,
                                           boolean implicitTls) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers ->
                new SessionActor(ctx, timers, connection, info, handler, idleTimeout, blocking, tlsEngines,
                        implicitTls)));
    }

    private SessionActor(ActorContext<Command> ctx, TimerScheduler<Command> timers, Tcp.IncomingConnection connection,
                         ConnectionInfo info, ProtocolHandler handler, Duration idleTimeout, Executor blocking,
                         java.util.function.Supplier<javax.net.ssl.SSLEngine> tlsEngines, boolean implicitTls) {
        super(ctx);
        this.tlsEngines = tlsEngines;
        this.timers = timers;
        this.info = info;
        this.handler = handler;
        this.idleTimeout = idleTimeout;
        this.blocking = blocking;

        ActorRef<Command> self = ctx.getSelf();
        Sink<TlsSwitch.AppIn, org.apache.pekko.NotUsed> in = ActorSink.actorRefWithBackpressure(
                self,
                (ActorRef<InputAck> ackTo, TlsSwitch.AppIn element) -> new InputChunk(ackTo, element),
                InputStarted::new,
                InputAck.INSTANCE,
                InputEnded.INSTANCE,
                InputFailed::new);
        Source<TlsSwitch.AppOut, ActorRef<Outgoing>> out = ActorSource.<Outgoing, OutputAcked>actorRefWithBackpressure(
                        self.narrow(),
                        OutputAcked.INSTANCE,
                        o -> o == Outgoing.End.INSTANCE ? Optional.of(CompletionStrategy.draining()) : Optional.empty(),
                        o -> o == Outgoing.Abort.INSTANCE
                                ? Optional.of(new java.io.IOException("session aborted")) : Optional.empty())
                .map(o -> o instanceof Outgoing.StartTls st
                        ? new TlsSwitch.AppOut.StartTls(st.engine(), st.goAhead())
                        : new TlsSwitch.AppOut.Data(((Outgoing.Bytes) o).bytes()));
        // The session's byte path: connection <-> TLS switch (plaintext until STARTTLS) <-> this actor.
        Flow<ByteString, ByteString, ActorRef<Outgoing>> path = BidiFlow.fromGraph(new TlsSwitch(implicitTls)).reversed()
                .join(Flow.fromSinkAndSourceCoupledMat(in, out, Keep.right()), Keep.right());
        this.output = connection.handleWith(path, ctx.getSystem());
        restartIdleTimer();
        if (implicitTls) {
            // The greeting waits for the handshake (onTlsStarted starts the protocol).
            implicitTlsPending = true;
            context.startTls();
        } else {
            handler.onStart(context);
        }
        flush();
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(InputStarted.class, m -> onInputStarted(m.ackTo()))
                .onMessage(InputChunk.class, this::onInputChunk)
                .onMessageEquals(InputEnded.INSTANCE, this::onInputEnded)
                .onMessage(InputFailed.class, m -> onInputEnded())
                .onMessageEquals(OutputAcked.INSTANCE, this::onOutputAcked)
                .onMessage(WorkDone.class, this::onWorkDone)
                .onMessage(CallbackFired.class, this::onCallback)
                .onMessageEquals(IdleTimeout.INSTANCE, this::onIdleTimeout)
                .onMessageEquals(Shutdown.INSTANCE, this::onShutdown)
                .onSignal(PostStop.class, s -> onPostStop())
                .build();
    }

    private Behavior<Command> onInputStarted(ActorRef<InputAck> ackTo) {
        pendingAck = ackTo;
        return settle();
    }

    private Behavior<Command> onInputChunk(InputChunk chunk) {
        pendingAck = chunk.ackTo();
        if (closing) {
            return settle();
        }
        restartIdleTimer();
        if (chunk.element() instanceof TlsSwitch.AppIn.TlsStarted started) {
            tlsStarting = false;
            tls = started.session();
            if (implicitTlsPending) {
                implicitTlsPending = false;
                handler.onStart(context);
            } else {
                handler.onTlsStarted(context, started.session());
            }
        } else if (!tlsStarting) {
            // While TLS is starting, plaintext pipelined behind STARTTLS is dropped.
            handler.onInput(((TlsSwitch.AppIn.Data) chunk.element()).bytes(), context);
        }
        return settle();
    }

    private Behavior<Command> onInputEnded() {
        stopped = true;
        return Behaviors.stopped();
    }

    private Behavior<Command> onOutputAcked() {
        outputReady = true;
        return settle();
    }

    private Behavior<Command> onWorkDone(WorkDone done) {
        awaiting--;
        done.continuation().run();
        if (awaiting == 0 && !closing) {
            handler.onResume(context);
        }
        return settle();
    }

    private Behavior<Command> onCallback(CallbackFired fired) {
        if (!closing) {
            fired.action().run();
        }
        return settle();
    }

    private Behavior<Command> onIdleTimeout() {
        if (closing) {
            // The client did not read our goodbye in time.
            stopped = true;
            return Behaviors.stopped();
        }
        handler.onIdleTimeout(context);
        if (!closing) {
            restartIdleTimer();
        }
        return settle();
    }

    private Behavior<Command> onShutdown() {
        if (!closing) {
            handler.onShutdown(context);
            // A handler with work in hand (a message being fsynced) answers it first and closes itself;
            // the guardian's grace period bounds the wait.
            if (awaiting == 0) {
                context.close();
            }
        }
        return settle();
    }

    /** After any event: write what is pending, acknowledge input if we can take more, stop once closed. */
    private Behavior<Command> settle() {
        flush();
        if (endSent) {
            // The output completes after its last bytes; the coupled input then ends (InputEnded) and
            // the actor stops, so a session is counted out only once its connection has closed.
            return this;
        }
        if (pendingAck != null && awaiting == 0 && !closing && pendingOutput.size() < OUTPUT_BACKLOG_LIMIT) {
            pendingAck.tell(InputAck.INSTANCE);
            pendingAck = null;
        }
        return this;
    }

    private void flush() {
        if (!outputReady || endSent) {
            return;
        }
        if (pendingTlsStart != null) {
            // The go-ahead and the switch travel as one element (see TlsSwitch.AppOut.StartTls).
            output.tell(new Outgoing.StartTls(pendingTlsStart, pendingTlsGoAhead));
            pendingTlsStart = null;
            pendingTlsGoAhead = ByteString.emptyByteString();
            outputReady = false;
        } else if (!pendingOutput.isEmpty()) {
            output.tell(new Outgoing.Bytes(pendingOutput));
            pendingOutput = ByteString.emptyByteString();
            outputReady = false;
        } else if (closing && awaiting == 0) {
            output.tell(Outgoing.End.INSTANCE);
            endSent = true;
        }
    }

    private Behavior<Command> onPostStop() {
        if (!endSent) {
            output.tell(Outgoing.Abort.INSTANCE);
        }
        try {
            handler.onClosed();
        } catch (RuntimeException e) {
            getContext().getLog().warn("{} {}: error releasing session resources", info.kind(), info.sessionId(), e);
        }
        return this;
    }

    private void restartIdleTimer() {
        timers.startSingleTimer("idle", IdleTimeout.INSTANCE, idleTimeout);
    }

    /** The handler's view of this actor. Valid only on the actor's thread (except callback()). */
    private final class Context implements SessionContext {
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
                timers.startSingleTimer("idle", IdleTimeout.INSTANCE, CLOSE_GRACE);
            }
        }

        @Override
        public boolean isClosing() {
            return closing;
        }

        @Override
        public <T> void await(CompletionStage<T> work, BiConsumer<T, Throwable> then) {
            awaiting++;
            getContext().pipeToSelf(work, (value, error) -> new WorkDone(() -> then.accept(value,
                    error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                            ? error.getCause() : error)));
        }

        @Override
        public <T> void awaitBlocking(Callable<T> work, BiConsumer<T, Throwable> then) {
            await(CompletableFuture.supplyAsync(() -> {
                try {
                    return work.call();
                } catch (RuntimeException e) {
                    throw e;
                } catch (Exception e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            }, blocking), then);
        }

        @Override
        public boolean isAwaiting() {
            return awaiting > 0;
        }

        @Override
        public void setIdleTimeout(Duration timeout) {
            idleTimeout = timeout;
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
            javax.net.ssl.SSLEngine engine = tlsEngines.get();
            engine.setUseClientMode(false);
            pendingTlsStart = engine;
            pendingTlsGoAhead = pendingOutput;
            pendingOutput = ByteString.emptyByteString();
            tlsStarting = true;
        }

        @Override
        public Runnable callback(Runnable action) {
            ActorRef<Command> self = getContext().getSelf();
            return () -> self.tell(new CallbackFired(action));
        }
    }
}
