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
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One outbound session: pulls work from the {@link QueueActor} (up to {@link #PULL_BATCH} items of one
 * domain at a time, the queue cuts that to a fair share), resolves the domain's MX hosts, and for each
 * address in order (MX hosts by preference, then the smart host) skips it when it is in the failure
 * cache or has no free per-IP token ({@link HostHealth}), else dials it and speaks SMTP
 * ({@link SmtpClient}, on the I/O executor). The route of a domain is resolved once per session and
 * kept for {@link #ROUTE_MAX_AGE}; while the connection is open, the items in hand for the domain it
 * serves go over it in one run on the I/O executor (RSET in between), without a new lookup, token or
 * hop per message; the run reports to the queue itself, the outcomes of {@code outbound.report-window}
 * in one {@link QueueActor.Reports} (a crash can deliver those again, never lose them). When no
 * address could be tried the item is returned unchanged (no retry step used); when every dialled
 * address failed it is deferred. Stops when the queue has nothing ready or after
 * {@code outbound.max-messages-per-session} transactions (0 = no cap; a pull never asks for more than
 * the cap leaves), saying QUIT and returning its token; HostHealth also gets the token back if it
 * dies, and the queue the leases of items still in hand. TLS is opportunistic (STARTTLS when offered).
 */
public final class DeliveryActor extends AbstractBehavior<DeliveryActor.Command> {

    public interface Command {}

    private record Pulled(QueueActor.PullReply reply) implements Command {}

    private record Resolved(MxResolver.Resolution resolution, List<InetAddress> smartHost, Throwable error)
            implements Command {}

    private record TokenAnswer(HostHealth.AcquireReply reply) implements Command {}

    private record OpenDone(Candidate candidate, SmtpClient.OpenResult result, Throwable error) implements Command {}

    /**
     * A run of items over the open connection: {@code results} for the first items of {@code run}, in
     * order; {@code error} a local failure (the body could not be read) on the item after them.
     */
    private record RunDone(List<WorkItem> run, List<SmtpClient.TransactionResult> results, Throwable error)
            implements Command {}

    /** The engine is stopping: finish the message in hand, take no new one. */
    public enum Finish implements Command { INSTANCE }

    /** The queue or host health did not answer (a restart lost the request): give up the session. */
    private enum NoAnswer implements Command { INSTANCE }

    /** How long a request to the queue or host health may stay unanswered. */
    static final java.time.Duration ANSWER_TIMEOUT = java.time.Duration.ofMinutes(1);

    /** Items asked for in one pull (fewer when the message cap is nearer). */
    static final int PULL_BATCH = 16;

    /** How long a session uses a domain's resolved route before it looks it up again. */
    static final java.time.Duration ROUTE_MAX_AGE = java.time.Duration.ofMinutes(1);

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
    /** Leased items not yet started, in the queue's order. */
    private final Deque<WorkItem> inHand = new ArrayDeque<>();
    private WorkItem item;
    private final Deque<Candidate> candidates = new ArrayDeque<>();
    private boolean dialled;
    private String lastError = "";
    /** Where the current item went, for the log. */
    private String relay = "none";
    private SmtpClient connection;
    private Candidate connectedTo;
    /** The dialling order for {@code routeDomain}, resolved at {@code routeAt} (System.nanoTime). */
    private List<Candidate> route = List.of();
    private String routeDomain;
    private long routeAt;
    /** Every candidate of the current item's domain, in order (what a stale connection dials again). */
    private List<Candidate> itemRoute = List.of();
    /** Read by a run on the I/O executor: take no further message. */
    private final AtomicBoolean stopRun = new AtomicBoolean();

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
                .onMessage(RunDone.class, this::onRunDone)
                .onMessageEquals(Finish.INSTANCE, () -> {
                    finishing = true;
                    stopRun.set(true);
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
        int max = PULL_BATCH;
        if (out.maxMessagesPerSession() > 0) {
            max = Math.max(1, Math.min(max, out.maxMessagesPerSession() - messages));
        }
        timers.startSingleTimer(NoAnswer.INSTANCE, NoAnswer.INSTANCE, ANSWER_TIMEOUT);
        deps.queue().tell(new QueueActor.Pull(pullAdapter, connection == null ? null : currentDomain,
                getContext().getSelf(), max));
    }

    private String currentDomain;
    private boolean finishing;

    private Behavior<Command> onPulled(Pulled m) {
        timers.cancel(NoAnswer.INSTANCE);
        if (!(m.reply() instanceof QueueActor.Work w)) {
            return finish();
        }
        if (finishing) {
            w.items().forEach(i -> deps.queue().tell(new QueueActor.Return(i)));
            return finish();
        }
        inHand.addAll(w.items());
        return start(inHand.poll());
    }

    /** Starts on one item: over the open connection, by the kept route, or after a lookup. */
    private Behavior<Command> start(WorkItem next) {
        item = next;
        relay = "none";
        candidates.clear();
        dialled = false;
        lastError = "";
        boolean routeFresh = item.domain().equals(routeDomain)
                && System.nanoTime() - routeAt < ROUTE_MAX_AGE.toNanos();
        if (routeFresh && connection != null && item.domain().equals(currentDomain)) {
            itemRoute = route;
            return transact();
        }
        if (routeFresh) {
            itemRoute = route;
            candidates.addAll(route);
            return routeReady();
        }
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
        List<Candidate> resolved = Candidate.route(hosts, out.remotePort(), smartHostName, m.smartHost(),
                smartHostPort);
        if (resolved.isEmpty()) {
            return report(deferAll("no address for the mail hosts of " + item.domain()));
        }
        if (!(m.resolution() instanceof MxResolver.TempFailure)) {
            // A DNS failure that fell back to the smart host is asked again with the next message.
            route = resolved;
            routeDomain = item.domain();
            routeAt = System.nanoTime();
        }
        itemRoute = resolved;
        candidates.addAll(resolved);
        return routeReady();
    }

    /** Candidates are known: go over the open connection if it is one of them, else dial in order. */
    private Behavior<Command> routeReady() {
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

    /**
     * Sends the current item, and after it every item in hand for the same domain, over the open
     * connection in one run on the I/O executor; the run stops at the first transaction that leaves
     * the connection unusable, and before a next message once the engine is stopping. The run reports
     * outcomes to the queue itself, gathered over at most {@code outbound.report-window} (so a crash
     * can only repeat the messages delivered within that window); the session logs them afterwards.
     */
    private Behavior<Command> transact() {
        relay = connectedTo.host() + "[" + connectedTo.address().getHostAddress() + "]:" + connectedTo.port();
        List<WorkItem> run = new ArrayList<>();
        run.add(item);
        while (!inHand.isEmpty() && inHand.peek().domain().equals(item.domain())) {
            run.add(inHand.poll());
        }
        SmtpClient c = connection;
        AtomicBoolean stop = stopRun;
        ActorRef<QueueActor.Command> queue = deps.queue();
        long window = out.reportWindow().toNanos();
        getContext().pipeToSelf(
                CompletableFuture.supplyAsync(() -> {
                    List<SmtpClient.TransactionResult> results = new ArrayList<>(run.size());
                    List<QueueActor.Report> unreported = new ArrayList<>();
                    long since = System.nanoTime();
                    try {
                        for (WorkItem w : run) {
                            if (!results.isEmpty() && stop.get()) {
                                break;
                            }
                            SmtpClient.TransactionResult r;
                            try {
                                r = c.send(w.sender(), w.recipients(), deps.spool().readMessage(w.queueId()));
                            } catch (java.io.IOException | RuntimeException e) {
                                return new RunDone(run, results, e);
                            }
                            results.add(r);
                            if (r.stale()) {
                                break;
                            }
                            unreported.add(new QueueActor.Report(w, r.outcomes()));
                            long now = System.nanoTime();
                            if (now - since >= window) {
                                tellReports(queue, unreported);
                                since = now;
                            }
                            if (!r.reusable()) {
                                break;
                            }
                        }
                        return new RunDone(run, results, null);
                    } finally {
                        tellReports(queue, unreported);
                    }
                }, deps.io()),
                (ok, err) -> ok != null ? ok : new RunDone(run, List.of(), err));
        return this;
    }

    /** One {@link QueueActor.Report}, or several in one {@link QueueActor.Reports}; clears the list. */
    private static void tellReports(ActorRef<QueueActor.Command> queue, List<QueueActor.Report> reports) {
        if (reports.size() == 1) {
            queue.tell(reports.get(0));
        } else if (!reports.isEmpty()) {
            queue.tell(new QueueActor.Reports(List.copyOf(reports)));
        }
        reports.clear();
    }

    private Behavior<Command> onRunDone(RunDone m) {
        boolean delivered = false;
        boolean reusable = true;
        int done = 0;
        boolean stale = false;
        for (SmtpClient.TransactionResult r : m.results()) {
            if (r.stale()) {
                stale = true;
                break;
            }
            WorkItem w = m.run().get(done++);
            messages++;
            log(w, r.outcomes());
            delivered |= r.outcomes().values().stream().anyMatch(o -> o instanceof DeliveryOutcome.Delivered);
            reusable = r.reusable();
        }
        if (!stale && m.error() != null) {
            // The item after the results could not be sent here: deferred, the connection given up.
            WorkItem w = m.run().get(done++);
            messages++;
            Map<String, DeliveryOutcome> deferred = all(w, new DeliveryOutcome.Deferred("local error: " + m.error()));
            log(w, deferred);
            deps.queue().tell(new QueueActor.Report(w, deferred));
            reusable = false;
        }
        if (delivered) {
            deps.hostHealth().tell(new HostHealth.ReportSuccess(connectedTo.address()));
        }
        // Items of the run not sent (after a stale or broken connection, or when stopping) are in hand again.
        List<WorkItem> rest = m.run().subList(done, m.run().size());
        for (int i = rest.size() - 1; i >= 0; i--) {
            inHand.addFirst(rest.get(i));
        }
        if (stale) {
            // The kept connection died while idle: dial again, this was no attempt.
            closeConnection();
            item = inHand.poll();
            relay = "none";
            dialled = false;
            lastError = "";
            candidates.clear();
            candidates.addAll(itemRoute);
            return tryNext();
        }
        if (!reusable) {
            closeConnection();
        }
        return next();
    }

    private Behavior<Command> report(Map<String, DeliveryOutcome> outcomes) {
        log(item, outcomes);
        deps.queue().tell(new QueueActor.Report(item, outcomes));
        return next();
    }

    private void log(WorkItem w, Map<String, DeliveryOutcome> outcomes) {
        outcomes.forEach((rcpt, o) -> getContext().getLog().info("{}: to=<{}>, relay={}, status={} ({})",
                w.queueId(), rcpt, relay, o.result(), o.reason()));
    }

    private Behavior<Command> next() {
        item = null;
        if (finishing || out.maxMessagesPerSession() > 0 && messages >= out.maxMessagesPerSession()) {
            return finish();
        }
        if (!inHand.isEmpty()) {
            return start(inHand.poll());
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
        return all(item, new DeliveryOutcome.Deferred(reason));
    }

    private Map<String, DeliveryOutcome> all(DeliveryOutcome o) {
        return all(item, o);
    }

    private static Map<String, DeliveryOutcome> all(WorkItem w, DeliveryOutcome o) {
        Map<String, DeliveryOutcome> m = new LinkedHashMap<>();
        for (String r : w.recipients()) {
            m.put(r, o);
        }
        return m;
    }
}
