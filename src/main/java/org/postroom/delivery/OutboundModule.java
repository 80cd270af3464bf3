package org.postroom.delivery;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.postroom.auth.Accounts;
import org.postroom.config.Settings;
import org.postroom.dns.MxResolver;
import org.postroom.engine.EngineServices;
import org.postroom.hosthealth.HostHealth;
import org.postroom.metrics.Metrics;
import org.postroom.queue.FileSpool;
import org.postroom.queue.QueueActor;
import org.postroom.store.MaildirStore;

import java.time.Clock;
import java.util.Random;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The outbound half of the engine, wired: spawns {@link QueueActor} (on the blocking dispatcher, it
 * owns the spool files), {@link HostHealth} and {@link OutboundRouter} (which spawns
 * {@link DeliveryActor}s) as children of the given context. The engine creates the
 * {@link FileSpool} first ({@link FileSpool#inDataDir}), puts it into {@link EngineServices} for the
 * SMTP/MSA side, then calls {@link #start(ActorContext, EngineServices)}; mail enqueued before that
 * is on disk and picked up when the queue actor loads the spool.
 */
public final class OutboundModule {
    /** Blocking socket and DNS work of delivery sessions runs here. */
    public static final String IO_DISPATCHER = "postroom-outbound-dispatcher";
    public static final String BLOCKING_DISPATCHER = "postroom-blocking-dispatcher";

    private final ActorRef<QueueActor.Command> queue;
    private final ActorRef<HostHealth.Command> hostHealth;
    private final ActorRef<OutboundRouter.Command> router;
    private final AtomicReference<DeliveryDeps> deps;

    private OutboundModule(ActorRef<QueueActor.Command> queue, ActorRef<HostHealth.Command> hostHealth,
                           ActorRef<OutboundRouter.Command> router, AtomicReference<DeliveryDeps> deps) {
        this.queue = queue;
        this.hostHealth = hostHealth;
        this.router = router;
        this.deps = deps;
    }

    /** Starts the outbound actors; {@code services.spool()} must be a {@link FileSpool}. */
    public static OutboundModule start(ActorContext<?> ctx, EngineServices services) {
        if (!(services.spool() instanceof FileSpool spool)) {
            throw new IllegalArgumentException("the outbound module needs the engine's spool to be a FileSpool");
        }
        return start(ctx, services.settings(), spool, services.store(), services.accounts(), services.metrics(),
                Clock.systemUTC());
    }

    public static OutboundModule start(ActorContext<?> ctx, Settings settings, FileSpool spool, MaildirStore store,
                                       Accounts accounts, Metrics metrics, Clock clock) {
        Executor io = ctx.getSystem().dispatchers().lookup(DispatcherSelector.fromConfig(IO_DISPATCHER));
        Settings.OutboundSettings out = settings.outbound();
        ActorRef<QueueActor.Command> queue = ctx.spawn(
                QueueActor.create(settings, spool, store, accounts, metrics, clock), "outbound-queue",
                DispatcherSelector.fromConfig(BLOCKING_DISPATCHER));
        ActorRef<HostHealth.Command> hostHealth = ctx.spawn(HostHealth.create(out, metrics, clock), "host-health");
        AtomicReference<DeliveryDeps> deps = new AtomicReference<>(
                new DeliveryDeps(settings.hostname(), out, queue, hostHealth, resolver(out, io), spool, io));
        ActorRef<OutboundRouter.Command> router = ctx.spawn(OutboundRouter.create(out.maxSessions(),
                out.deliveryInterval(), queue, metrics.sessions("smtp-out"),
                () -> DeliveryActor.create(deps.get())), "outbound-router");
        // On engine stop, running sessions finish the message in hand (within the phase's timeout).
        org.apache.pekko.actor.typed.ActorSystem<?> system = ctx.getSystem();
        org.apache.pekko.actor.CoordinatedShutdown.get(system).addTask(
                org.apache.pekko.actor.CoordinatedShutdown.PhaseServiceRequestsDone(), "outbound-drain",
                () -> org.apache.pekko.actor.typed.javadsl.AskPattern.<OutboundRouter.Command, org.apache.pekko.Done>ask(
                                router, OutboundRouter.Drain::new, drainTimeout(system), system.scheduler())
                        .exceptionally(e -> org.apache.pekko.Done.getInstance()));
        return new OutboundModule(queue, hostHealth, router, deps);
    }

    /** How long stopping waits for delivery sessions to finish the message in hand: {@code shutdown-grace}. */
    static java.time.Duration drainTimeout(org.apache.pekko.actor.typed.ActorSystem<?> system) {
        com.typesafe.config.Config c = system.settings().config();
        return c.hasPath("postroom.shutdown-grace") ? c.getDuration("postroom.shutdown-grace")
                : java.time.Duration.ofSeconds(5);
    }

    private static MxResolver resolver(Settings.OutboundSettings out, Executor io) {
        java.time.Duration timeout = out.commandTimeout().compareTo(java.time.Duration.ofSeconds(10)) < 0
                ? out.commandTimeout() : java.time.Duration.ofSeconds(10);
        return new MxResolver(out.dnsServers(), timeout, io, new Random());
    }

    /**
     * Applies new outbound settings to a running engine: the session limit, failure cache, token
     * rules, retry schedule and queue lifetime at once; connection settings, smart host, remote port
     * and DNS resolvers for sessions started from now on. Running sessions are not stopped.
     */
    public void reload(Settings settings) {
        Settings.OutboundSettings out = settings.outbound();
        deps.updateAndGet(d -> {
            DeliveryDeps next = d.withOutbound(out);
            return out.dnsServers().equals(d.outbound().dnsServers()) ? next
                    : new DeliveryDeps(next.heloName(), out, next.queue(), next.hostHealth(), resolver(out, next.io()),
                    next.spool(), next.io());
        });
        queue.tell(new QueueActor.UpdateSettings(settings));
        hostHealth.tell(new HostHealth.UpdateSettings(out));
        router.tell(new OutboundRouter.UpdateLimit(out.maxSessions()));
    }

    public ActorRef<QueueActor.Command> queue() {
        return queue;
    }

    public ActorRef<HostHealth.Command> hostHealth() {
        return hostHealth;
    }

    public ActorRef<OutboundRouter.Command> router() {
        return router;
    }
}
