package org.postroom.multipop;

import com.typesafe.config.Config;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.ChildFailed;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.PreRestart;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.postroom.config.Settings.MultiPopSettings;
import org.postroom.config.Settings.PopSource;
import org.postroom.metrics.Metrics;
import org.postroom.metrics.SessionCounters;
import org.postroom.store.MaildirStore;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;

/**
 * MultiPOP's router: owns the sources, the collection cycles and the {@code multipop} session counters.
 * At start and every {@code multipop.interval} (or on {@link RunNow}) it queues every source not already
 * queued or being collected (one being collected is queued again once it finishes, so a source's runs
 * never overlap), and spawns up to {@code multipop.max-sessions} {@link MultiPopCollector}s — never more
 * than there are queued sources. Collectors pull sources one after another ({@link RequestSource},
 * {@link SourceFinished}) until none is left: 15 sources, 3 sessions → about 5 each.
 *
 * <p>Counting is by watching: a collector is counted in when spawned and out when it terminates, in any
 * way; one that crashed has its source marked failed. {@code max-sessions = 0} switches collection off.
 * {@link UpdateSettings} applies new limits and sources live (running collections finish; collectors
 * above a lowered limit stop after their current source). Per-source last run, result, messages and last
 * error are published in {@code /status} under {@code multipop} and answered to {@link GetStatus}.
 */
public final class MultiPopRouter extends AbstractBehavior<MultiPopRouter.Command> {

    public interface Command {}

    /** Start a cycle now (admin API {@code POST /multipop/run}); coalesces with a running one. */
    public record RunNow() implements Command {}

    /** Live reload: new max-sessions, interval and sources. */
    public record UpdateSettings(MultiPopSettings settings) implements Command {}

    /** Answers a {@link Status} snapshot. */
    public record GetStatus(ActorRef<Status> replyTo) implements Command {}

    /** From a new collector: give me a source. */
    record RequestSource(ActorRef<MultiPopCollector.Command> collector) implements Command {}

    /** From a collector: this source is done; give me the next one. */
    record SourceFinished(ActorRef<MultiPopCollector.Command> collector, String sourceId,
                          CollectionOutcome outcome) implements Command {}

    private enum Tick implements Command { INSTANCE }

    /** What /status shows for one source. Times are null before the first run. */
    public record SourceStatus(String id, String account, String host, int port, String user, boolean leaveOnServer,
                               String state, Instant lastRunStarted, Instant lastRunFinished, String lastResult,
                               int lastMessages, long totalMessages, long runs, String lastError,
                               String lastWarning) {
        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", id);
            m.put("account", account);
            m.put("host", host);
            m.put("port", port);
            m.put("user", user);
            m.put("leaveOnServer", leaveOnServer);
            m.put("state", state);
            m.put("lastRun", lastRunStarted == null ? null : lastRunStarted.toString());
            m.put("lastRunFinished", lastRunFinished == null ? null : lastRunFinished.toString());
            m.put("lastResult", lastResult);
            m.put("lastMessages", lastMessages);
            m.put("totalMessages", totalMessages);
            m.put("runs", runs);
            m.put("lastError", lastError);
            m.put("lastWarning", lastWarning);
            return m;
        }
    }

    /** The router's figures: limits, cycles completed, and every source. */
    public record Status(int maxSessions, Duration interval, long cyclesCompleted, boolean cycleRunning,
                         int collectors, List<SourceStatus> sources) {
        public SourceStatus source(String id) {
            return sources.stream().filter(s -> s.id().equals(id)).findFirst().orElseThrow();
        }

        /** The sources collected into one local account. */
        public List<SourceStatus> forAccount(String account) {
            return sources.stream().filter(s -> s.account().equalsIgnoreCase(account)).toList();
        }

        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("maxSessions", maxSessions);
            m.put("interval", interval.toString());
            m.put("cyclesCompleted", cyclesCompleted);
            m.put("cycleRunning", cycleRunning);
            m.put("collectors", collectors);
            m.put("sources", sources.stream().map(SourceStatus::toMap).toList());
            return m;
        }
    }

    /** Mutable per-source bookkeeping, owned by the actor. */
    private static final class SourceState {
        PopSource source;
        String state = "never";
        Instant lastRunStarted;
        Instant lastRunFinished;
        String lastResult = "never";
        int lastMessages;
        long totalMessages;
        long runs;
        String lastError;
        String lastWarning;

        SourceState(PopSource source) {
            this.source = source;
        }

        SourceStatus snapshot() {
            return new SourceStatus(source.id(), source.account(), source.host(), source.port(), source.user(),
                    source.leaveOnServer(), state, lastRunStarted, lastRunFinished, lastResult, lastMessages,
                    totalMessages, runs, lastError, lastWarning);
        }
    }

    private final TimerScheduler<Command> timers;
    private final SourceCollection collection;
    private final Executor blocking;
    private final SessionCounters counters;
    private final Clock clock;
    private MultiPopSettings settings;
    private final AtomicReference<MultiPopSettings> latest;
    private final Map<String, SourceState> sources = new LinkedHashMap<>();
    private final ArrayDeque<String> pending = new ArrayDeque<>();
    private final Map<ActorRef<MultiPopCollector.Command>, String> inFlight = new HashMap<>();
    private final Set<String> rerun = new HashSet<>();
    private final Set<ActorRef<MultiPopCollector.Command>> collectors = new HashSet<>();
    private final Set<ActorRef<MultiPopCollector.Command>> starting = new HashSet<>();
    private final Set<ActorRef<MultiPopCollector.Command>> retiring = new HashSet<>();
    private boolean cycleRunning;
    private long cyclesCompleted;
    private long cycleMessages;
    private int cycleFailures;
    private long spawned;
    private volatile Status published;

    /**
     * The engine's entry point, from the shared services: spawn it once as a child of the engine guardian,
     * {@code ctx.spawn(MultiPopRouter.create(services), "multipop")}.
     */
    public static Behavior<Command> create(org.postroom.engine.EngineServices services) {
        return create(services.settings().multipop(), services.store(), services.settings().dataDir(),
                services.metrics());
    }

    /**
     * Spawn it once as a child of the engine guardian. UIDL records live in
     * {@code dataDir/multipop/}; timeouts and the dispatcher come from {@code postroom.multipop.*} of the
     * actor system's config ({@link MultiPopOptions#from}).
     */
    public static Behavior<Command> create(MultiPopSettings settings, MaildirStore store, Path dataDir, Metrics metrics) {
        AtomicReference<MultiPopSettings> latest = new AtomicReference<>(settings);
        return supervised(Behaviors.setup(ctx -> {
            Config config = ctx.getSystem().settings().config();
            return build(ctx, latest, store, dataDir, metrics, MultiPopOptions.from(config), Clock.systemUTC());
        }));
    }

    /** As above with explicit options (validate them at start with {@link MultiPopOptions#from}). */
    public static Behavior<Command> create(MultiPopSettings settings, MaildirStore store, Path dataDir, Metrics metrics,
                                           MultiPopOptions options, Clock clock) {
        AtomicReference<MultiPopSettings> latest = new AtomicReference<>(settings);
        return supervised(Behaviors.setup(ctx -> build(ctx, latest, store, dataDir, metrics, options, clock)));
    }

    /**
     * The router is long-lived: an unexpected failure restarts it (with back-off) with its latest settings
     * and a fresh first cycle; UIDL records are on disk, so nothing is collected twice.
     */
    private static Behavior<Command> supervised(Behavior<Command> behavior) {
        return Behaviors.supervise(behavior).onFailure(Exception.class,
                SupervisorStrategy.restartWithBackoff(Duration.ofSeconds(1), Duration.ofMinutes(1), 0.2));
    }

    /** For tests: a given collection and executor (e.g. one that fails, to crash collectors). */
    static Behavior<Command> create(MultiPopSettings settings, SourceCollection collection, Executor blocking,
                                    Metrics metrics, Clock clock) {
        return Behaviors.setup(ctx -> withTimers(ctx, new AtomicReference<>(settings), collection, blocking, metrics,
                clock));
    }

    private static Behavior<Command> build(ActorContext<Command> ctx, AtomicReference<MultiPopSettings> latest,
                                           MaildirStore store, Path dataDir, Metrics metrics, MultiPopOptions options,
                                           Clock clock) {
        MultiPopSettings settings = latest.get();
        Config config = ctx.getSystem().settings().config();
        Executor blocking = config.hasPath(options.dispatcher())
                ? ctx.getSystem().dispatchers().lookup(DispatcherSelector.fromConfig(options.dispatcher()))
                : ctx.getSystem().dispatchers().lookup(DispatcherSelector.blocking());
        String poolKey = options.dispatcher() + ".thread-pool-executor.fixed-pool-size";
        if (config.hasPath(poolKey) && config.getInt(poolKey) < settings.maxSessions()) {
            ctx.getLog().warn("multipop.max-sessions = {} but {} has only {} threads: fewer collections run at once",
                    settings.maxSessions(), options.dispatcher(), config.getInt(poolKey));
        }
        SourceCollection collection = new SourceCollection(store, dataDir.resolve("multipop"),
                SourceCollection.connector(options.clientOptions()),
                source -> metrics.multipopMessages().increment());
        return withTimers(ctx, latest, collection, blocking, metrics, clock);
    }

    private static Behavior<Command> withTimers(ActorContext<Command> ctx, AtomicReference<MultiPopSettings> latest,
                                                SourceCollection collection, Executor blocking, Metrics metrics,
                                                Clock clock) {
        SessionCounters counters = metrics.sessions("multipop");
        return Behaviors.withTimers(timers -> {
            MultiPopRouter router = new MultiPopRouter(ctx, timers, latest, collection, blocking, counters, clock);
            metrics.addStatusSection("multipop", () -> router.published.toMap());
            return router;
        });
    }

    private MultiPopRouter(ActorContext<Command> ctx, TimerScheduler<Command> timers, AtomicReference<MultiPopSettings> latest,
                           SourceCollection collection, Executor blocking, SessionCounters counters, Clock clock) {
        super(ctx);
        this.timers = timers;
        this.collection = collection;
        this.blocking = blocking;
        this.counters = counters;
        this.clock = clock;
        this.latest = latest;
        applySettings(latest.get());
        ctx.getSelf().tell(Tick.INSTANCE); // the first cycle runs at start
        publish();
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessageEquals(Tick.INSTANCE, this::onCycle)
                .onMessage(RunNow.class, m -> onCycle())
                .onMessage(UpdateSettings.class, this::onUpdateSettings)
                .onMessage(GetStatus.class, this::onGetStatus)
                .onMessage(RequestSource.class, this::onRequestSource)
                .onMessage(SourceFinished.class, this::onSourceFinished)
                .onSignal(ChildFailed.class, this::onCollectorFailed)
                .onSignal(Terminated.class, this::onCollectorStopped)
                .onSignal(PostStop.class, this::onPostStop)
                .onSignal(PreRestart.class, this::onPreRestart)
                .build();
    }

    private void applySettings(MultiPopSettings next) {
        Duration oldInterval = settings == null ? null : settings.interval();
        Map<String, PopSource> configured = new LinkedHashMap<>();
        for (PopSource s : next.sources()) {
            configured.put(s.id(), s);
        }
        this.settings = next;
        latest.set(next); // a restart after a failure keeps reloaded settings
        sources.keySet().retainAll(configured.keySet());
        configured.forEach((id, s) -> sources.computeIfAbsent(id, k -> new SourceState(s)).source = s);
        pending.removeIf(id -> !sources.containsKey(id));
        rerun.retainAll(sources.keySet());
        counters.setLimit(next.maxSessions());
        if (!next.interval().equals(oldInterval)) {
            timers.startTimerWithFixedDelay(Tick.INSTANCE, Tick.INSTANCE, next.interval(), next.interval());
        }
    }

    private Behavior<Command> onUpdateSettings(UpdateSettings msg) {
        applySettings(msg.settings());
        fill();
        checkCycleEnd();
        publish();
        return this;
    }

    private Behavior<Command> onCycle() {
        if (settings.maxSessions() == 0 || sources.isEmpty()) {
            return this;
        }
        Set<String> running = new HashSet<>(inFlight.values());
        for (Map.Entry<String, SourceState> e : sources.entrySet()) {
            String id = e.getKey();
            if (running.contains(id)) {
                rerun.add(id);
            } else if (!pending.contains(id)) {
                pending.add(id);
                e.getValue().state = "queued";
            }
        }
        cycleRunning = true;
        fill();
        publish();
        return this;
    }

    /** Spawns collectors until the limit, or until every queued source has one coming for it. */
    private void fill() {
        while (collectors.size() < settings.maxSessions() && pending.size() > starting.size()) {
            ActorRef<MultiPopCollector.Command> c = getContext().spawn(
                    MultiPopCollector.create(getContext().getSelf(), collection, blocking), "collector-" + (++spawned));
            getContext().watch(c);
            collectors.add(c);
            starting.add(c);
            counters.opened();
        }
    }

    private Behavior<Command> onRequestSource(RequestSource msg) {
        starting.remove(msg.collector());
        assign(msg.collector());
        publish();
        return this;
    }

    private Behavior<Command> onSourceFinished(SourceFinished msg) {
        inFlight.remove(msg.collector());
        SourceState s = sources.get(msg.sourceId());
        if (s != null) {
            CollectionOutcome o = msg.outcome();
            s.lastRunFinished = clock.instant();
            s.lastMessages = o.delivered();
            s.totalMessages += o.delivered();
            if (o instanceof CollectionOutcome.Failed f) {
                s.state = "failed";
                s.lastResult = "failed";
                s.lastError = f.stage().name().toLowerCase(java.util.Locale.ROOT) + ": " + f.error();
                getContext().getLog().warn("MultiPOP source {} failed ({} delivered): {}", s.source.id(),
                        o.delivered(), s.lastError);
            } else {
                s.state = "ok";
                s.lastResult = "ok";
                s.lastError = null;
            }
            s.lastWarning = o instanceof CollectionOutcome.Collected c && c.tooLarge() > 0
                    ? c.tooLarge() + " message(s) over multipop.max-message-size left on the server" : null;
            cycleMessages += o.delivered();
            if (!o.succeeded()) {
                cycleFailures++;
            }
            if (rerun.remove(msg.sourceId())) {
                pending.add(msg.sourceId());
                s.state = "queued";
            }
        }
        assign(msg.collector());
        publish();
        return this;
    }

    private void assign(ActorRef<MultiPopCollector.Command> collector) {
        boolean overLimit = collectors.size() - retiring.size() > settings.maxSessions();
        String id = overLimit ? null : pending.poll();
        if (id == null) {
            retiring.add(collector);
            collector.tell(MultiPopCollector.NoMoreWork.INSTANCE);
            checkCycleEnd();
            return;
        }
        SourceState s = sources.get(id);
        inFlight.put(collector, id);
        s.state = "running";
        s.runs++;
        s.lastRunStarted = clock.instant();
        collector.tell(new MultiPopCollector.Collect(s.source));
    }

    private Behavior<Command> onCollectorFailed(ChildFailed signal) {
        counters.failed();
        return collectorGone(signal.getRef().unsafeUpcast(), "collector crashed: " + signal.getCause());
    }

    private Behavior<Command> onCollectorStopped(Terminated signal) {
        return collectorGone(signal.getRef().unsafeUpcast(), "collector stopped while collecting");
    }

    private Behavior<Command> collectorGone(ActorRef<MultiPopCollector.Command> c, String reason) {
        if (!collectors.remove(c)) {
            return this;
        }
        counters.closed();
        starting.remove(c);
        retiring.remove(c);
        String id = inFlight.remove(c);
        if (id != null && sources.containsKey(id)) {
            SourceState s = sources.get(id);
            s.state = "failed";
            s.lastResult = "failed";
            s.lastError = "internal: " + reason;
            s.lastRunFinished = clock.instant();
            cycleFailures++;
            getContext().getLog().error("MultiPOP source {}: {}", id, reason);
            if (rerun.remove(id)) {
                pending.add(id);
                s.state = "queued";
            }
        }
        fill();
        checkCycleEnd();
        publish();
        return this;
    }

    private void checkCycleEnd() {
        if (cycleRunning && pending.isEmpty() && inFlight.isEmpty()) {
            cycleRunning = false;
            cyclesCompleted++;
            getContext().getLog().info("MultiPOP cycle {} done: {} source(s), {} message(s) collected, {} failed",
                    cyclesCompleted, sources.size(), cycleMessages, cycleFailures);
            cycleMessages = 0;
            cycleFailures = 0;
        }
    }

    private Behavior<Command> onGetStatus(GetStatus msg) {
        msg.replyTo().tell(published);
        return this;
    }

    private Behavior<Command> onPostStop(PostStop signal) {
        countOutChildren();
        return this;
    }

    private Behavior<Command> onPreRestart(PreRestart signal) {
        countOutChildren();
        return this;
    }

    /** Children stop with us and no Terminated will come for them: count them out here. */
    private void countOutChildren() {
        for (int i = 0; i < collectors.size(); i++) {
            counters.closed();
        }
        collectors.clear();
    }

    private void publish() {
        List<SourceStatus> list = new ArrayList<>(sources.size());
        for (SourceState s : sources.values()) {
            list.add(s.snapshot());
        }
        published = new Status(settings.maxSessions(), settings.interval(), cyclesCompleted, cycleRunning,
                collectors.size(), List.copyOf(list));
    }
}
