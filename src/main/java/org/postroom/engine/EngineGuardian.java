package org.postroom.engine;

import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.postroom.auth.Accounts;
import org.postroom.config.Settings;
import org.postroom.inbound.InboundGuardian;
import org.postroom.inbound.InboundProtocol;
import org.postroom.inbound.InboundProtocols;
import org.postroom.metrics.Metrics;
import org.postroom.multipop.MultiPopRouter;
import org.postroom.queue.OutboundSpool;
import org.postroom.queue.QueueActor;
import org.postroom.hosthealth.HostHealth;
import org.postroom.store.MaildirStore;
import org.postroom.tls.ServerTls;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * The root of the engine: builds the shared {@link EngineServices}, starts one {@link InboundGuardian}
 * per enabled inbound protocol, and the outbound and MultiPOP parts. Reports {@link Started} (every
 * listener bound) or a failure through the future given at creation. On coordinated shutdown it first
 * unbinds every listener, then tells open sessions the engine is stopping and waits for them (bounded).
 *
 * <p>Accepts {@link SetInboundLimit} (live reload of a listener's max-sessions).
 */
public final class EngineGuardian extends AbstractBehavior<EngineGuardian.Command> {

    public sealed interface Command {}

    public record SetInboundLimit(String kind, int maxSessions) implements Command {}

    /** A validated new configuration: every session limit applies at once, open sessions stay. */
    public record ApplySettings(Settings settings, ActorRef<Done> replyTo) implements Command {}

    private record ListenerReport(InboundGuardian.BindResult result) implements Command {}

    /** The running engine's shared services, where each listener is bound, and on-demand actions. */
    public record Started(EngineServices services, Map<String, InetSocketAddress> listeners, Runnable runMultiPop,
                          Outbound outbound) {
        public Started(EngineServices services, Map<String, InetSocketAddress> listeners, Runnable runMultiPop) {
            this(services, listeners, runMultiPop, null);
        }
    }

    /**
     * The outbound actors the operator controls (admin {@code /queue}, {@code /hosts}): ask them with
     * {@code AskPattern} and a timeout. Null in {@link Started} when the engine runs without a file spool.
     */
    public record Outbound(ActorRef<QueueActor.Command> queue, ActorRef<HostHealth.Command> hostHealth) {}

    private final Outbound outbound;

    private final ActorRef<MultiPopRouter.Command> multipop;

    /** Starts a MultiPOP cycle now (admin POST /multipop/run); thread-safe. */
    private void runMultiPop() {
        multipop.tell(new MultiPopRouter.RunNow());
    }

    /** How long open sessions get to finish when the engine stops ({@code shutdown-grace}). */
    private final Duration shutdownGrace;

    private final EngineServices services;
    private final CompletableFuture<Started> started;
    private final Map<String, ActorRef<InboundGuardian.Command>> guardians = new LinkedHashMap<>();
    private final Map<String, InetSocketAddress> bound = new LinkedHashMap<>();
    /** Parts that take new settings on reload (outbound router, host health, MultiPOP). */
    private final List<java.util.function.Consumer<Settings>> reloadListeners = new ArrayList<>();

    public static Behavior<Command> create(Settings settings, Metrics metrics, OutboundSpool spool,
                                           org.postroom.store.DeliveryJournal journal,
                                           ServerTls tls, Duration shutdownGrace, CompletableFuture<Started> started) {
        return Behaviors.setup(ctx -> new EngineGuardian(ctx, settings, metrics, spool, journal, tls, shutdownGrace, started));
    }

    private EngineGuardian(ActorContext<Command> ctx, Settings settings, Metrics metrics, OutboundSpool spool,
                           org.postroom.store.DeliveryJournal journal,
                           ServerTls tls, Duration shutdownGrace, CompletableFuture<Started> started) {
        super(ctx);
        this.shutdownGrace = shutdownGrace;
        this.started = started;
        Executor blocking = ctx.getSystem().dispatchers()
                .lookup(DispatcherSelector.fromConfig("postroom-blocking-dispatcher"));
        MaildirStore store = new MaildirStore(settings.dataDir().resolve("mail"), settings.hostname(), journal);
        this.services = new EngineServices(settings, new Accounts(settings.accounts()), store, spool, metrics,
                ctx.getSystem(), blocking, tls);
        metrics.addStatusSection("auth", services.authThrottle()::status);
        settings.accounts().stream().filter(a -> a.passwordHash() == null).forEach(a -> ctx.getLog().warn(
                "account {} has a plain-text password: fine for a demo, use password-hash in production "
                        + "(java -jar postroom.jar hash-password)", a.address()));

        ActorRef<InboundGuardian.BindResult> reports = ctx.messageAdapter(InboundGuardian.BindResult.class,
                ListenerReport::new);
        Map<String, Settings.ListenerSettings> listeners = new LinkedHashMap<>();
        settings.inbound().listeners().forEach(l -> listeners.put(l.kind(), l));
        for (InboundProtocol protocol : InboundProtocols.all()) {
            Settings.ListenerSettings l = listeners.get(protocol.kind());
            if (l == null || !l.enabled()) {
                continue;
            }
            if (l.implicitTls() && tls == null) {
                ctx.getLog().warn("inbound.{} needs a certificate (tls.*) and stays off", l.kind());
                continue;
            }
            ActorRef<InboundGuardian.Command> guardian = ctx.spawn(
                    InboundGuardian.create(protocol, l, services, reports), "inbound-" + protocol.kind(),
                    DispatcherSelector.fromConfig("postroom-admission-dispatcher"));
            guardians.put(protocol.kind(), guardian);
        }
        org.postroom.delivery.OutboundModule module = OutboundWiring.startModule(ctx, services);
        this.outbound = module == null ? null : new Outbound(module.queue(), module.hostHealth());
        reloadListeners.add(module == null ? s -> { } : module::reload);
        // MultiPOP collection; the router supervises itself (restart with back-off).
        this.multipop = ctx.spawn(MultiPopRouter.create(services), "multipop");
        reloadListeners.add(s -> multipop.tell(new MultiPopRouter.UpdateSettings(s.multipop())));
        if (guardians.isEmpty()) {
            started.complete(new Started(services, Map.of(), this::runMultiPop, outbound));
        }
        registerShutdownTasks(ctx);
    }

    private void registerShutdownTasks(ActorContext<Command> ctx) {
        // Tasks run on other threads: capture the system, never use ctx inside them.
        org.apache.pekko.actor.typed.ActorSystem<Void> system = ctx.getSystem();
        CoordinatedShutdown cs = CoordinatedShutdown.get(system);
        cs.addTask(CoordinatedShutdown.PhaseServiceUnbind(), "unbind-listeners",
                () -> all(g -> AskPattern.ask(g, InboundGuardian.Unbind::new, Duration.ofSeconds(5),
                        system.scheduler())));
        cs.addTask(CoordinatedShutdown.PhaseServiceRequestsDone(), "close-sessions",
                () -> all(g -> AskPattern.ask(g, r -> new InboundGuardian.ShutdownSessions(shutdownGrace, r),
                        shutdownGrace.plusSeconds(2), system.scheduler()))
                        // Let the TCP layer write the goodbyes before the actor system goes away.
                        .thenCompose(done -> org.apache.pekko.pattern.Patterns.after(Duration.ofMillis(200),
                                system.classicSystem().scheduler(), system.executionContext(),
                                () -> CompletableFuture.completedFuture(done))));
    }

    private CompletionStage<Done> all(java.util.function.Function<ActorRef<InboundGuardian.Command>,
            CompletionStage<Done>> each) {
        List<CompletableFuture<Done>> futures = new ArrayList<>();
        guardians.values().forEach(g -> futures.add(each.apply(g).toCompletableFuture()
                .exceptionally(e -> Done.getInstance())));
        return CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).thenApply(v -> Done.getInstance());
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(ListenerReport.class, this::onListenerReport)
                .onMessage(SetInboundLimit.class, this::onSetInboundLimit)
                .onMessage(ApplySettings.class, this::onApplySettings)
                .build();
    }

    private Behavior<Command> onListenerReport(ListenerReport report) {
        if (report.result() instanceof InboundGuardian.Bound b) {
            bound.put(b.kind(), b.address());
            if (bound.size() == guardians.size()) {
                started.complete(new Started(services, Map.copyOf(bound), this::runMultiPop, outbound));
            }
        } else if (report.result() instanceof InboundGuardian.BindError e) {
            started.completeExceptionally(new EngineStartException(
                    "inbound." + e.kind() + ": cannot listen on " + e.address() + ": " + e.cause().getMessage(),
                    e.cause()));
        }
        return this;
    }

    private Behavior<Command> onSetInboundLimit(SetInboundLimit m) {
        ActorRef<InboundGuardian.Command> g = guardians.get(m.kind());
        if (g != null) {
            g.tell(new InboundGuardian.SetLimit(m.maxSessions()));
        }
        return this;
    }

    private Behavior<Command> onApplySettings(ApplySettings m) {
        Settings s = m.settings();
        services.live().set(s); // sessions started from now on take their limits from s
        for (Settings.ListenerSettings l : s.inbound().listeners()) {
            services.metrics().sessions(l.kind()).setLimit(l.maxSessions());
            ActorRef<InboundGuardian.Command> g = guardians.get(l.kind());
            if (g != null) {
                g.tell(new InboundGuardian.SetLimit(l.maxSessions()));
                g.tell(new InboundGuardian.SetPerIpLimits(
                        org.postroom.inbound.PerIpAdmission.Limits.of(l, s.inbound().security())));
            }
        }
        services.authThrottle().setLimits(org.postroom.auth.AuthThrottle.Limits.of(s));
        services.metrics().sessions("smtp-out").setLimit(s.outbound().maxSessions());
        services.metrics().sessions("multipop").setLimit(s.multipop().maxSessions());
        reloadListeners.forEach(listener -> listener.accept(s));
        getContext().getLog().info("configuration reloaded: smtp {} msa {} pop3 {} imap {} smtp-out {} multipop {}",
                s.inbound().smtp().maxSessions(), s.inbound().msa().maxSessions(), s.inbound().pop3().maxSessions(),
                s.inbound().imap().maxSessions(), s.outbound().maxSessions(), s.multipop().maxSessions());
        m.replyTo().tell(Done.getInstance());
        return this;
    }

    /** Supervision for long-lived children that hold no socket: restart them on failure. */
    static <T> Behavior<T> supervised(Behavior<T> behavior) {
        return Behaviors.supervise(behavior).onFailure(SupervisorStrategy.restart());
    }
}
