package org.postroom.delivery;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.postroom.metrics.SessionCounters;
import org.postroom.queue.QueueActor;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Starts outbound sessions ({@link DeliveryActor}s): at each {@code outbound.delivery-interval} tick
 * and at once when the queue announces new work, it asks the queue how much work is ready and starts
 * min(ready, max-sessions − active) sessions; when a session ends it tops up the same way. It holds the
 * {@code smtp-out} counters (accepted = sessions started, active, peak, limit) and counts a session
 * out exactly once by watching it. Sessions pull their work themselves. Accepts
 * {@link UpdateLimit} for a live reload (running sessions are never stopped).
 */
public final class OutboundRouter extends AbstractBehavior<OutboundRouter.Command> {

    public interface Command {}

    /** Ask the queue and top up now (also sent by the delivery-interval timer, as a new cycle). */
    public record Cycle(boolean newCycle) implements Command {}

    public record UpdateLimit(int maxSessions) implements Command {}

    /**
     * The engine is stopping: start no more sessions, let the running ones finish the message in hand,
     * and answer when they have ended and the queue has recorded their results.
     */
    public record Drain(ActorRef<org.apache.pekko.Done> replyTo) implements Command {}

    private record WorkAvailable() implements Command {}

    private record Ready(int ready) implements Command {}

    private record SessionEnded(ActorRef<?> session) implements Command {}

    public static Behavior<Command> create(int maxSessions, Duration interval, ActorRef<QueueActor.Command> queue,
                                           SessionCounters counters, Supplier<Behavior<?>> sessions) {
        return Behaviors.<Command>supervise(Behaviors.setup(ctx -> Behaviors.withTimers(timers ->
                        new OutboundRouter(ctx, timers, maxSessions, interval, queue, counters, sessions))))
                .onFailure(SupervisorStrategy.restart());
    }

    private final ActorRef<QueueActor.Command> queue;
    private final SessionCounters counters;
    private final Supplier<Behavior<?>> sessions;
    private final ActorRef<QueueActor.ReadyCount> readyAdapter;
    private final Set<ActorRef<?>> active = new HashSet<>();
    private final java.util.List<ActorRef<org.apache.pekko.Done>> drained = new java.util.ArrayList<>();
    private boolean draining;
    private int maxSessions;
    private boolean asking;
    private boolean askAgain;

    private OutboundRouter(ActorContext<Command> ctx, TimerScheduler<Command> timers, int maxSessions,
                           Duration interval, ActorRef<QueueActor.Command> queue, SessionCounters counters,
                           Supplier<Behavior<?>> sessions) {
        super(ctx);
        this.queue = queue;
        this.counters = counters;
        this.sessions = sessions;
        this.maxSessions = maxSessions;
        counters.setLimit(maxSessions);
        if (maxSessions == 0) {
            ctx.getLog().warn("outbound.max-sessions = 0: outbound delivery is paused, mail stays queued");
        }
        this.readyAdapter = ctx.messageAdapter(QueueActor.ReadyCount.class, r -> new Ready(r.ready()));
        queue.tell(new QueueActor.Subscribe(ctx.messageAdapter(QueueActor.WorkAvailable.class, w -> new WorkAvailable())));
        timers.startTimerWithFixedDelay("cycle", new Cycle(true), interval);
        ctx.getSelf().tell(new Cycle(true));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Cycle.class, m -> ask(m.newCycle()))
                .onMessage(WorkAvailable.class, m -> ask(false))
                .onMessage(Ready.class, this::onReady)
                .onMessage(SessionEnded.class, this::onSessionEnded)
                .onMessage(UpdateLimit.class, this::onUpdateLimit)
                .onMessage(Drain.class, this::onDrain)
                .build();
    }

    private Behavior<Command> ask(boolean newCycle) {
        if (draining) {
            return this;
        }
        if (asking && !newCycle) {
            // One question at a time; the answer to a later one may see more work.
            askAgain = true;
            return this;
        }
        asking = true;
        queue.tell(new QueueActor.CountReady(readyAdapter, newCycle));
        return this;
    }

    private Behavior<Command> onReady(Ready m) {
        asking = false;
        if (draining) {
            return this;
        }
        int start = Math.min(m.ready(), maxSessions - active.size());
        for (int i = 0; i < start; i++) {
            ActorRef<?> s = getContext().spawnAnonymous(sessions.get());
            getContext().watchWith(s, new SessionEnded(s));
            queue.tell(new QueueActor.Reserve(s));
            active.add(s);
            counters.opened();
        }
        if (askAgain) {
            askAgain = false;
            return ask(false);
        }
        return this;
    }

    private Behavior<Command> onSessionEnded(SessionEnded m) {
        if (active.remove(m.session())) {
            counters.closed();
        }
        if (draining && active.isEmpty()) {
            drained.forEach(r -> queue.tell(new QueueActor.Flush(r)));
            drained.clear();
        }
        return ask(false);
    }

    private Behavior<Command> onDrain(Drain m) {
        draining = true;
        if (active.isEmpty()) {
            queue.tell(new QueueActor.Flush(m.replyTo()));
        } else {
            drained.add(m.replyTo());
            // Sessions are DeliveryActors in the engine; test doubles may ignore the message.
            active.forEach(s -> s.unsafeUpcast().tell(DeliveryActor.Finish.INSTANCE));
        }
        return this;
    }

    private Behavior<Command> onUpdateLimit(UpdateLimit m) {
        maxSessions = m.maxSessions();
        counters.setLimit(maxSessions);
        return ask(false);
    }
}
