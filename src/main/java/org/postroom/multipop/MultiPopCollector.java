package org.postroom.multipop;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.postroom.config.Settings.PopSource;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * One MultiPOP collection session: pulls a source from its {@link MultiPopRouter}, collects it
 * completely ({@link SourceCollection}, blocking, on the MultiPOP dispatcher, the result piped back),
 * reports the outcome together with its request for the next source, and stops when the router answers
 * {@link NoMoreWork}. It holds at most one POP3 connection at a time. The router watches it, so a crash
 * is counted and its source reported failed.
 */
public final class MultiPopCollector extends AbstractBehavior<MultiPopCollector.Command> {

    public interface Command {}

    /** From the router: collect this source. */
    public record Collect(PopSource source) implements Command {}

    /** From the router: nothing left in this cycle; stop. */
    public enum NoMoreWork implements Command { INSTANCE }

    private record Collected(PopSource source, CollectionOutcome outcome) implements Command {}

    private final ActorRef<MultiPopRouter.Command> router;
    private final SourceCollection collection;
    private final Executor blocking;

    public static Behavior<Command> create(ActorRef<MultiPopRouter.Command> router, SourceCollection collection,
                                           Executor blocking) {
        return Behaviors.setup(ctx -> new MultiPopCollector(ctx, router, collection, blocking));
    }

    private MultiPopCollector(ActorContext<Command> ctx, ActorRef<MultiPopRouter.Command> router,
                              SourceCollection collection, Executor blocking) {
        super(ctx);
        this.router = router;
        this.collection = collection;
        this.blocking = blocking;
        router.tell(new MultiPopRouter.RequestSource(ctx.getSelf()));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Collect.class, this::onCollect)
                .onMessage(Collected.class, this::onCollected)
                .onMessageEquals(NoMoreWork.INSTANCE, Behaviors::stopped)
                .build();
    }

    private Behavior<Command> onCollect(Collect msg) {
        PopSource source = msg.source();
        CompletableFuture<CollectionOutcome> work = CompletableFuture.supplyAsync(() -> collection.collect(source), blocking);
        getContext().pipeToSelf(work, (outcome, error) -> new Collected(source, outcome != null ? outcome
                : new CollectionOutcome.Failed(CollectionOutcome.Stage.INTERNAL, String.valueOf(error), 0)));
        return this;
    }

    private Behavior<Command> onCollected(Collected msg) {
        router.tell(new MultiPopRouter.SourceFinished(getContext().getSelf(), msg.source().id(), msg.outcome()));
        return this;
    }
}
