package org.postroom.inbound;

import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.ChildFailed;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.util.ByteString;
import org.postroom.config.Settings.ListenerSettings;
import org.postroom.engine.EngineServices;
import org.postroom.metrics.SessionCounters;
import org.postroom.net.ConnectionInfo;
import org.postroom.net.NioAcceptor;
import org.postroom.net.ProtocolHandlerFactory;
import org.postroom.net.SessionActor;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One listener of one protocol (smtp, msa, pop3, imap): binds its TCP port, decides admission for each
 * connection ({@link PerIpAdmission} for the per-client-IP limits, then {@link AdmissionPolicy}), and is
 * the parent of every session it admits. On an implicit-TLS listener the session starts with the handshake. A connection over
 * the limit gets the protocol's one-line "Server Too Busy" and is closed; no session actor exists for it.
 * Admitted sessions are watched, so each is counted out exactly once however it ends (QUIT, reset,
 * timeout, exception).
 *
 * <p>Accepts: {@link SetLimit} and {@link SetPerIpLimits} (live reload), {@link Unbind} (stop accepting), {@link ShutdownSessions}
 * (tell every session the engine is stopping and answer when all have ended or the grace is over),
 * {@link GetActive}. Reports its bound address (or bind failure) to the {@code bound} ref given at start.
 */
public final class InboundGuardian extends AbstractBehavior<InboundGuardian.Command> {

    public sealed interface Command {}

    public record SetLimit(int maxSessions) implements Command {}

    /** Live reload of the per-IP limits and their exemptions ({@link PerIpAdmission}). */
    public record SetPerIpLimits(PerIpAdmission.Limits limits) implements Command {}

    public record Unbind(ActorRef<Done> replyTo) implements Command {}

    public record ShutdownSessions(Duration grace, ActorRef<Done> replyTo) implements Command {}

    public record GetActive(ActorRef<Long> replyTo) implements Command {}

    private record Connected(java.nio.channels.SocketChannel channel, long acceptedNanos) implements Command {}

    private record BindSucceeded(NioAcceptor binding) implements Command {}

    private record BindFailed(Throwable cause) implements Command {}

    private enum GraceOver implements Command { INSTANCE }

    /** What the guardian tells its parent once the port is bound, or could not be. */
    public sealed interface BindResult {
        String kind();
    }

    public record Bound(String kind, InetSocketAddress address) implements BindResult {}

    public record BindError(String kind, String address, Throwable cause) implements BindResult {}

    private final InboundProtocol protocol;
    private final ListenerSettings listener;
    private final EngineServices services;
    private final ProtocolHandlerFactory handlers;
    private final AdmissionPolicy admission;
    private final PerIpAdmission perIp;
    /** The client address of each admitted session, to count it out of {@link #perIp}. */
    private final java.util.Map<ActorRef<?>, java.net.InetAddress> sessionIps = new java.util.HashMap<>();
    private final ByteString serverTooBusy;
    private final io.micrometer.core.instrument.Timer admissionWait;
    private final io.micrometer.core.instrument.Timer refusalWait;
    private NioAcceptor binding;
    private long sequence;
    private final List<ActorRef<Done>> shutdownWaiters = new ArrayList<>();
    private final ActorRef<BindResult> bound;
    /** Open sessions, for their end line in the session log. */
    private final java.util.Map<ActorRef<?>, SessionLog.Opened> open = new java.util.HashMap<>();
    private boolean graceOver;

    public static Behavior<Command> create(InboundProtocol protocol, ListenerSettings listener,
                                           EngineServices services, ActorRef<BindResult> bound) {
        return Behaviors.setup(ctx -> new InboundGuardian(ctx, protocol, listener, services, bound));
    }

    private InboundGuardian(ActorContext<Command> ctx, InboundProtocol protocol, ListenerSettings listener,
                            EngineServices services, ActorRef<BindResult> bound) {
        super(ctx);
        this.protocol = protocol;
        this.listener = listener;
        this.services = services;
        this.bound = bound;
        SessionCounters counters = services.metrics().sessions(protocol.kind());
        this.admission = new AdmissionPolicy(counters, listener.maxSessions());
        this.perIp = new PerIpAdmission(PerIpAdmission.Limits.of(listener, services.settings().inbound().security()),
                java.time.Clock.systemUTC());
        this.serverTooBusy = protocol.serverTooBusy(services.settings());
        this.admissionWait = services.metrics().admissionWait(protocol.kind());
        this.refusalWait = services.metrics().refusalWait(protocol.kind());
        this.handlers = protocol.handlers(services);

        ActorRef<Command> self = ctx.getSelf();
        // Our own acceptor thread (not Pekko's TCP layer): a connection reaches this guardian in one
        // hand-over, and the guardian runs on a dispatcher of its own, so a refusal is written at once
        // even while every dispatcher thread is busy with sessions.
        try {
            NioAcceptor acceptor = NioAcceptor.bind(listener.bind(), listener.port(), 1024,
                    "postroom-accept-" + protocol.kind(), c -> onAccepted(c, counters, self));
            self.tell(new BindSucceeded(acceptor));
        } catch (java.io.IOException | RuntimeException e) {
            self.tell(new BindFailed(e));
        }
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Connected.class, this::onConnected)
                .onMessage(BindSucceeded.class, this::onBound)
                .onMessage(BindFailed.class, this::onBindFailed)
                .onMessage(SetLimit.class, this::onSetLimit)
                .onMessage(SetPerIpLimits.class, m -> {
                    perIp.setLimits(m.limits());
                    return this;
                })
                .onMessage(Unbind.class, this::onUnbind)
                .onMessage(ShutdownSessions.class, this::onShutdownSessions)
                .onMessageEquals(GraceOver.INSTANCE, this::onGraceOver)
                .onMessage(GetActive.class, m -> {
                    m.replyTo().tell(admission.active());
                    return this;
                })
                .onSignal(Terminated.class, this::onSessionEnded)
                .onSignal(org.apache.pekko.actor.typed.PostStop.class, signal -> {
                    if (binding != null) {
                        binding.close();
                    }
                    return this;
                })
                .build();
    }

    private Behavior<Command> onConnected(Connected m) {
        admissionWait.record(System.nanoTime() - m.acceptedNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
        java.nio.channels.SocketChannel connection = m.channel();
        InetSocketAddress remote;
        InetSocketAddress local;
        try {
            remote = (InetSocketAddress) connection.getRemoteAddress();
            local = (InetSocketAddress) connection.getLocalAddress();
        } catch (java.io.IOException e) {
            closeQuietly(connection);
            return this;
        }
        if (remote == null) {
            // The client left before we looked.
            closeQuietly(connection);
            return this;
        }
        java.net.InetAddress ip = remote.getAddress();
        if (binding == null && !shutdownWaiters.isEmpty()) {
            refuse(connection, remote, local, m.acceptedNanos());
            return this;
        }
        PerIpAdmission.Decision perIpDecision = ip == null ? PerIpAdmission.Decision.ADMIT : perIp.tryAdmit(ip);
        if (!perIpDecision.admitted()) {
            // Answered exactly like Server Too Busy, and counted with those refusals.
            services.metrics().sessions(protocol.kind()).refused();
            getContext().getLog().debug("{}: refused {} ({})", protocol.kind(), ip.getHostAddress(), perIpDecision);
            refuse(connection, remote, local, m.acceptedNanos());
            return this;
        }
        if (!admission.tryAdmit()) {
            if (ip != null) {
                perIp.release(ip);
            }
            refuse(connection, remote, local, m.acceptedNanos());
            return this;
        }
        String id = protocol.kind() + "-" + (++sequence);
        ConnectionInfo info = new ConnectionInfo(protocol.kind(), id, remote, local);
        try {
            ActorRef<SessionActor.Command> session = getContext().spawn(
                    SessionActor.create(connection, info, handlers.create(info),
                            services.live().get().inbound().idleTimeout(), services.blocking(),
                            services.tls() == null ? null : services.tls()::newEngine, listener.implicitTls()), id);
            getContext().watch(session);
            if (ip != null) {
                sessionIps.put(session, ip);
            }
            open.put(session, SessionLog.started(info));
        } catch (RuntimeException e) {
            admission.release(true);
            if (ip != null) {
                perIp.release(ip);
            }
            getContext().getLog().warn("{}: could not start session for {}", protocol.kind(), info.remote(), e);
            closeQuietly(connection);
        }
        return this;
    }

    /**
     * On the acceptor thread. While the listener is full, the connection is refused right here, with no
     * hand-over: under load that is the difference between a refusal in microseconds and one that waits
     * for a thread to be scheduled. Only refusals are decided here, from counters the guardian keeps;
     * every admission is still the guardian's own decision, so the count cannot drift (a slot freed a
     * moment ago may be missed: the client is refused as it would have been a moment earlier).
     */
    private void onAccepted(java.nio.channels.SocketChannel channel, SessionCounters counters, ActorRef<Command> self) {
        long acceptedNanos = System.nanoTime();
        if (counters.active() < counters.limit()) {
            self.tell(new Connected(channel, acceptedNanos));
            return;
        }
        try {
            InetSocketAddress remote = (InetSocketAddress) channel.getRemoteAddress();
            InetSocketAddress local = (InetSocketAddress) channel.getLocalAddress();
            admissionWait.record(System.nanoTime() - acceptedNanos, java.util.concurrent.TimeUnit.NANOSECONDS);
            counters.refused();
            refuse(channel, remote, local, acceptedNanos);
        } catch (java.io.IOException e) {
            closeQuietly(channel);
        }
    }

    /**
     * Refused before any session exists: one line, then close (nothing at all on an implicit-TLS port).
     * The line is written here, non-blocking: a fresh socket's send buffer always has room for it.
     * Thread-safe (final fields only): also called on the acceptor thread.
     */
    private void refuse(java.nio.channels.SocketChannel connection, InetSocketAddress remote,
                        InetSocketAddress local, long acceptedNanos) {
        try {
            if (!listener.implicitTls()) {
                connection.write(serverTooBusy.asByteBuffer());
            }
            connection.shutdownOutput();
        } catch (java.io.IOException | RuntimeException e) {
            // The client is gone already; nothing to tell it.
        }
        closeQuietly(connection);
        refusalWait.record(System.nanoTime() - acceptedNanos, java.util.concurrent.TimeUnit.NANOSECONDS);
        SessionLog.refused(protocol.kind(), remote, local);
    }

    private static void closeQuietly(java.nio.channels.SocketChannel connection) {
        try {
            connection.close();
        } catch (java.io.IOException ignored) {
            // Nothing left to do with it.
        }
    }

    private Behavior<Command> onSessionEnded(Terminated t) {
        admission.release(t instanceof ChildFailed);
        java.net.InetAddress ip = sessionIps.remove(t.getRef());
        if (ip != null) {
            perIp.release(ip);
        }
        SessionLog.Opened opened = open.remove(t.getRef());
        if (opened != null) {
            SessionLog.ended(opened, t instanceof ChildFailed failed ? "failed: " + failed.getCause()
                    : graceOver ? "stopped-after-grace" : shutdownWaiters.isEmpty() ? "closed" : "engine-stopping");
        }
        if (t instanceof ChildFailed failed) {
            getContext().getLog().warn("{}: session {} failed", protocol.kind(), t.getRef().path().name(),
                    failed.getCause());
        }
        if (!shutdownWaiters.isEmpty() && admission.active() == 0) {
            answerShutdownWaiters();
        }
        return this;
    }

    private Behavior<Command> onBound(BindSucceeded m) {
        binding = m.binding();
        getContext().getLog().info("{} listening on {} (max-sessions {})", protocol.kind(),
                format(binding.localAddress()), admission.limit());
        bound.tell(new Bound(protocol.kind(), binding.localAddress()));
        return this;
    }

    private Behavior<Command> onBindFailed(BindFailed m) {
        String address = listener.bind() + ":" + listener.port();
        bound.tell(new BindError(protocol.kind(), address, m.cause()));
        return Behaviors.stopped();
    }

    private Behavior<Command> onSetLimit(SetLimit m) {
        admission.setLimit(m.maxSessions());
        getContext().getLog().info("{}: max-sessions now {}", protocol.kind(), m.maxSessions());
        return this;
    }

    private Behavior<Command> onUnbind(Unbind m) {
        if (binding != null) {
            NioAcceptor b = binding;
            binding = null;
            b.close();
            m.replyTo().tell(Done.getInstance());
        } else {
            m.replyTo().tell(Done.getInstance());
        }
        return this;
    }

    private Behavior<Command> onShutdownSessions(ShutdownSessions m) {
        shutdownWaiters.add(m.replyTo());
        if (admission.active() == 0) {
            answerShutdownWaiters();
            return this;
        }
        getContext().getChildren().forEach(child ->
                child.unsafeUpcast().tell(SessionActor.Shutdown.INSTANCE));
        getContext().scheduleOnce(m.grace(), getContext().getSelf(), GraceOver.INSTANCE);
        return this;
    }

    private Behavior<Command> onGraceOver() {
        if (!shutdownWaiters.isEmpty()) {
            graceOver = true;
            getContext().getChildren().forEach(child -> getContext().stop(child));
            answerShutdownWaiters();
        }
        return this;
    }

    private void answerShutdownWaiters() {
        shutdownWaiters.forEach(w -> w.tell(Done.getInstance()));
        shutdownWaiters.clear();
    }

    private static String format(InetSocketAddress a) {
        return a.getAddress().getHostAddress() + ":" + a.getPort();
    }
}
