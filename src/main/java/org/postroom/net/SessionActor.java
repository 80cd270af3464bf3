package org.postroom.net;

import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.stream.javadsl.BidiFlow;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.util.ByteString;

import java.time.Duration;
import java.util.concurrent.Executor;

/**
 * One admitted connection, whatever its protocol. The actor owns the connection's lifecycle: it
 * materializes the byte path (the socket's {@link NioConnectionStage}, the {@link TlsSwitch}, and a {@link SessionStage} that runs the
 * {@link ProtocolHandler}), passes the engine's {@link Shutdown} on, and stops when the stage has
 * stopped, so its guardian, which watches it, counts the session out exactly once however it ends.
 * A handler that throws makes the actor fail too (the guardian counts a failed session).
 *
 * <p>The protocol work itself runs in the stage, fused with the socket's stream: a command and its
 * reply cross no actor mailbox. Not restarted on failure: a restarted session would have lost its socket.
 */
public final class SessionActor extends AbstractBehavior<SessionActor.Command> {

    public sealed interface Command {}

    /** The engine is stopping: the handler says goodbye in its protocol's words and closes. */
    public enum Shutdown implements Command { INSTANCE }

    private record StageStopped(Throwable handlerFailure) implements Command {}

    private final SessionStage.Control control;
    private boolean stageStopped;

    public static Behavior<Command> create(java.nio.channels.SocketChannel connection, ConnectionInfo info,
                                           ProtocolHandler handler, Duration idleTimeout, Executor blocking) {
        return create(connection, info, handler, idleTimeout, blocking, null, false);
    }

    /**
     * @param tlsEngines server-mode engines for STARTTLS, or null when TLS is not configured
     * @param implicitTls true for an implicit-TLS listener: the handshake comes before the greeting
     */
    public static Behavior<Command> create(java.nio.channels.SocketChannel connection, ConnectionInfo info,
                                           ProtocolHandler handler, Duration idleTimeout, Executor blocking,
                                           java.util.function.Supplier<javax.net.ssl.SSLEngine> tlsEngines,
                                           boolean implicitTls) {
        return Behaviors.setup(ctx -> new SessionActor(ctx, connection,
                new SessionStage(info, handler, idleTimeout, blocking, tlsEngines, implicitTls)));
    }

    private SessionActor(ActorContext<Command> ctx, java.nio.channels.SocketChannel connection, SessionStage stage) {
        super(ctx);
        // The session's byte path: connection <-> TLS switch (plaintext until STARTTLS) <-> handler stage.
        Flow<ByteString, ByteString, SessionStage.Control> path = BidiFlow.fromGraph(new TlsSwitch(stage.implicitTls(), stage.blocking()))
                .reversed()
                .join(Flow.fromGraph(stage), Keep.right());
        this.control = Flow.fromGraph(new NioConnectionStage(connection, NioTransport.get(ctx.getSystem())))
                .joinMat(path, Keep.right())
                .run(ctx.getSystem());
        ctx.pipeToSelf(control.terminated(), (done, failure) -> new StageStopped(
                failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                        ? failure.getCause() : failure));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessageEquals(Shutdown.INSTANCE, this::onShutdown)
                .onMessage(StageStopped.class, this::onStageStopped)
                .onSignal(PostStop.class, s -> onPostStop())
                .build();
    }

    private Behavior<Command> onShutdown() {
        control.shutdown();
        return this;
    }

    private Behavior<Command> onStageStopped(StageStopped m) {
        stageStopped = true;
        if (m.handlerFailure() != null) {
            throw new SessionFailedException(m.handlerFailure());
        }
        return Behaviors.stopped();
    }

    private Behavior<Command> onPostStop() {
        if (!stageStopped) {
            // Stopped from outside (the shutdown grace ran out): cut the connection.
            control.abort();
        }
        return this;
    }

    /** The protocol handler threw; the session ends as failed. */
    static final class SessionFailedException extends RuntimeException {
        SessionFailedException(Throwable cause) {
            super(cause.toString(), cause);
        }
    }
}
