package org.postroom.delivery;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.postroom.config.Settings;
import org.postroom.dns.MxResolver;
import org.postroom.hosthealth.HostHealth;
import org.postroom.queue.DeliveryOutcome;
import org.postroom.queue.QueueActor;
import org.postroom.queue.WorkItem;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * One outbound session: pulls work from the {@link QueueActor}, resolves the domain's MX hosts, and
 * for each address in order (MX hosts by preference, then the smart host) skips it when it is in
 * the failure cache or has no free per-IP token ({@link HostHealth}), else dials it and speaks SMTP
 * ({@link SmtpClient}, on the I/O executor). Reports per-recipient outcomes and pulls the next entry,
 * keeping the connection open when the next entry can go to the same address (RSET in between).
 * When no address could be tried the entry is returned unchanged (no retry step used); when every
 * dialled address failed it is deferred. Stops when the queue has nothing ready or after
 * {@code outbound.max-messages-per-session} transactions (0 = no cap), saying QUIT and returning its
 * token; HostHealth also gets the token back if it dies. TLS is opportunistic (STARTTLS when offered).
 */
public final class DeliveryActor extends AbstractBehavior<DeliveryActor.Command> {

    public interface Command {}

    private record Pulled(QueueActor.PullReply reply) implements Command {}

    private record Resolved(MxResolver.Resolution resolution, List<InetAddress> smartHost, Throwable error)
            implements Command {}

    private record TokenAnswer(HostHealth.AcquireReply reply) implements Command {}

    private record OpenDone(Candidate candidate, SmtpClient.OpenResult result, Throwable error) implements Command {}

    private record SendDone(SmtpClient.TransactionResult result, Throwable error) implements Command {}

    /** The engine is stopping: finish the message in hand, take no new one. */
    public enum Finish implements Command { INSTANCE }

    /** The queue or host health did not answer (a restart lost the request): give up the session. */
    private enum NoAnswer implements Command { INSTANCE }

    /** How long a request to the queue or host health may stay unanswered. */
    static final java.time.Duration ANSWER_TIMEOUT = java.time.Duration.ofMinutes(1);

    public static Behavior<Command> create(DeliveryDeps deps) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new DeliveryActor(ctx, timers, deps)));
    }

    private final DeliveryDeps deps;
    private final Settings.OutboundSettings out;
    private final ActorRef<QueueActor.PullReply> pullAdapter;
    private final ActorRef<HostHealth.AcquireReply> tokenAdapter;
    private final String smartHostName;
    private final int smartHostPort;

    private int messages;
    private WorkItem item;
    private final Deque<Candidate> candidates = new ArrayDeque<>();
    private boolean dialled;
    private String lastError = "";
    /** Where the current item went, for the log. */
    private String relay = "none";
    private SmtpClient connection;
    private Candidate connectedTo;

    private final org.apache.pekko.actor.typed.javadsl.TimerScheduler<Command> timers;

    private DeliveryActor(ActorContext<Command> ctx, org.apache.pekko.actor.typed.javadsl.TimerScheduler<Command> timers,
                          DeliveryDeps deps) {
        super(ctx);
        this.timers = timers;
        this.deps = deps;
        this.out = deps.outbound();
        this.pullAdapter = ctx.messageAdapter(QueueActor.PullReply.class, Pulled::new);
        this.tokenAdapter = ctx.messageAdapter(HostHealth.AcquireReply.class, TokenAnswer::new);
        if (out.smartHost().isBlank()) {
            smartHostName = null;
            smartHostPort = 0;
        } else {
            InetSocketAddress sh = Settings.hostPort("outbound.smart-host", out.smartHost(), 25);
            smartHostName = sh.getHostString();
            smartHostPort = sh.getPort();
        }
        pull();
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Pulled.class, this::onPulled)
                .onMessage(Resolved.class, this::onResolved)
                .onMessage(TokenAnswer.class, this::onToken)
                .onMessage(OpenDone.class, this::onOpenDone)
                .onMessage(SendDone.class, this::onSendDone)
                .onMessageEquals(Finish.INSTANCE, () -> {
                    finishing = true;
                    return this;
                })
                .onMessageEquals(NoAnswer.INSTANCE, () -> {
                    getContext().getLog().warn("no answer from the queue or host health in {}; session ends",
                            ANSWER_TIMEOUT);
                    return finish();
                })
                .onSignal(PostStop.class, s -> onPostStop())
                .build();
    }

    private void pull() {
        item = null;
        timers.startSingleTimer(NoAnswer.INSTANCE, NoAnswer.INSTANCE, ANSWER_TIMEOUT);
        deps.queue().tell(new QueueActor.Pull(pullAdapter, connection == null ? null : currentDomain,
                getContext().getSelf()));
    }

    private String currentDomain;
    private boolean finishing;

    private Behavior<Command> onPulled(Pulled m) {
        timers.cancel(NoAnswer.INSTANCE);
        if (!(m.reply() instanceof QueueActor.Work w)) {
            return finish();
        }
        if (finishing) {
            deps.queue().tell(new QueueActor.Return(w.item()));
            return finish();
        }
        item = w.item();
        relay = "none";
        candidates.clear();
        dialled = false;
        lastError = "";
        CompletionStage<MxResolver.Resolution> mx = deps.resolver().resolve(item.domain());
        CompletionStage<List<InetAddress>> smart = smartHostName == null
                ? CompletableFuture.completedFuture(List.of())
                : deps.resolver().addresses(smartHostName);
        getContext().pipeToSelf(mx.thenCombine(smart, (r, s) -> new Resolved(r, s, null)),
                (ok, err) -> ok != null ? ok : new Resolved(null, List.of(), err));
        return this;
    }

    private Behavior<Command> onResolved(Resolved m) {
        if (m.error() != null) {
            return report(deferAll("DNS lookup failed: " + m.error()));
        }
        List<MxResolver.MxHost> hosts = List.of();
        if (m.resolution() instanceof MxResolver.Hosts h) {
            hosts = h.hosts();
        } else if (m.smartHost().isEmpty()) {
            if (m.resolution() instanceof MxResolver.NoSuchDomain n) {
                return report(all(new DeliveryOutcome.Failed("550 5.1.2 " + n.reason())));
            }
            return report(deferAll(((MxResolver.TempFailure) m.resolution()).reason()));
        }
        candidates.addAll(Candidate.route(hosts, out.remotePort(), smartHostName, m.smartHost(), smartHostPort));
        if (candidates.isEmpty()) {
            return report(deferAll("no address for the mail hosts of " + item.domain()));
        }
        if (connection != null) {
            InetSocketAddress current = connectedTo.socketAddress();
            if (candidates.stream().anyMatch(c -> c.socketAddress().equals(current))) {
                currentDomain = item.domain();
                return transact();
            }
            closeConnection();
        }
        return tryNext();
    }

    private Behavior<Command> tryNext() {
        Candidate c = candidates.poll();
        if (c == null) {
            if (dialled) {
                return report(deferAll("no host reachable, last error: " + lastError));
            }
            // Every address was cached or without a token: not an attempt, try in a later cycle.
            deps.queue().tell(new QueueActor.Return(item));
            return next();
        }
        timers.startSingleTimer(NoAnswer.INSTANCE, NoAnswer.INSTANCE, ANSWER_TIMEOUT);
        deps.hostHealth().tell(new HostHealth.Acquire(c.address(), getContext().getSelf(), tokenAdapter));
        candidates.addFirst(c);
        return this;
    }

    private Behavior<Command> onToken(TokenAnswer m) {
        timers.cancel(NoAnswer.INSTANCE);
        Candidate c = candidates.poll();
        if (!(m.reply() instanceof HostHealth.Granted)) {
            return tryNext();
        }
        dialled = true;
        getContext().pipeToSelf(
                CompletableFuture.supplyAsync(() -> SmtpClient.connect(c.socketAddress(), c.host(),
                        out.connectTimeout(), out.commandTimeout(), deps.heloName(),
                        c.smartHost() ? out.smartHostTls() : out.tls()), deps.io()),
                (ok, err) -> new OpenDone(c, ok, err));
        return this;
    }

    private Behavior<Command> onOpenDone(OpenDone m) {
        if (m.result() instanceof SmtpClient.Opened o) {
            connection = o.client();
            connectedTo = m.candidate();
            currentDomain = item.domain();
            return transact();
        }
        deps.hostHealth().tell(new HostHealth.Release(m.candidate().address(), getContext().getSelf()));
        if (m.result() instanceof SmtpClient.ConnectionFailed f) {
            lastError = f.reason();
            if (f.cacheable()) {
                deps.hostHealth().tell(new HostHealth.ReportFailure(m.candidate().address(), f.reason()));
            }
        } else {
            lastError = String.valueOf(m.error());
        }
        getContext().getLog().info("{}: relay={}[{}]:{} not usable{}: {}", item.queueId(), m.candidate().host(),
                m.candidate().address().getHostAddress(), m.candidate().port(),
                m.result() instanceof SmtpClient.ConnectionFailed f && f.cacheable() ? " (failure cached)" : "",
                lastError);
        return tryNext();
    }

    private Behavior<Command> transact() {
        relay = connectedTo.host() + "[" + connectedTo.address().getHostAddress() + "]:" + connectedTo.port();
        SmtpClient c = connection;
        WorkItem w = item;
        getContext().pipeToSelf(
                CompletableFuture.supplyAsync(() -> {
                    try {
                        return c.send(w.sender(), w.recipients(), deps.spool().readMessage(w.queueId()));
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }, deps.io()),
                (ok, err) -> new SendDone(ok, err));
        return this;
    }

    private Behavior<Command> onSendDone(SendDone m) {
        if (m.error() == null && m.result().stale()) {
            // The kept connection died while idle: dial again, this was no attempt.
            closeConnection();
            return tryNext();
        }
        messages++;
        if (m.error() != null) {
            closeConnection();
            return report(deferAll("local error: " + m.error()));
        }
        SmtpClient.TransactionResult r = m.result();
        if (r.outcomes().values().stream().anyMatch(o -> o instanceof DeliveryOutcome.Delivered)) {
            deps.hostHealth().tell(new HostHealth.ReportSuccess(connectedTo.address()));
        }
        if (!r.reusable()) {
            closeConnection();
        }
        return report(r.outcomes());
    }

    private Behavior<Command> report(Map<String, DeliveryOutcome> outcomes) {
        outcomes.forEach((rcpt, o) -> getContext().getLog().info("{}: to=<{}>, relay={}, status={} ({})",
                item.queueId(), rcpt, relay, o.result(), o.reason()));
        deps.queue().tell(new QueueActor.Report(item, outcomes));
        return next();
    }

    private Behavior<Command> next() {
        if (finishing || out.maxMessagesPerSession() > 0 && messages >= out.maxMessagesPerSession()) {
            return finish();
        }
        pull();
        return this;
    }

    private Behavior<Command> finish() {
        closeConnection();
        return Behaviors.stopped();
    }

    private void closeConnection() {
        if (connection != null) {
            SmtpClient c = connection;
            deps.io().execute(c::quitAndClose);
            deps.hostHealth().tell(new HostHealth.Release(connectedTo.address(), getContext().getSelf()));
            connection = null;
            connectedTo = null;
            currentDomain = null;
        }
    }

    private Behavior<Command> onPostStop() {
        if (connection != null) {
            SmtpClient c = connection;
            deps.io().execute(c::quitAndClose);
            connection = null;
        }
        return this;
    }

    private Map<String, DeliveryOutcome> deferAll(String reason) {
        return all(new DeliveryOutcome.Deferred(reason));
    }

    private Map<String, DeliveryOutcome> all(DeliveryOutcome o) {
        Map<String, DeliveryOutcome> m = new LinkedHashMap<>();
        for (String r : item.recipients()) {
            m.put(r, o);
        }
        return m;
    }
}
