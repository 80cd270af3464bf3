package org.postroom.metrics.actors;

import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.dispatch.Envelope;
import org.apache.pekko.dispatch.MessageQueue;
import org.apache.pekko.dispatch.UnboundedMessageQueueSemantics;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One actor's mailbox: Pekko's queue, counting what the actor takes out. Senders pay nothing (enqueue
 * is plain delegation); the consumer pays one single-writer increment (only the actor's current run
 * dequeues) in a slot padded away from the fields senders read, so it causes no false sharing. The depth
 * is the queue's own count, read only when metrics are read. Registered with its {@link ActorKindStats}
 * while the actor lives; on clean-up the rest goes to dead letters, uncounted.
 */
public final class InstrumentedMessageQueue implements MessageQueue, UnboundedMessageQueueSemantics {
    private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(long[].class);
    /** The counter sits mid-array: 64 bytes from either end of it, so never on a line others write or read. */
    private static final int SLOT = 8;

    private final MessageQueue inner;
    private final ActorKindStats stats;
    private final long[] dequeued = new long[17];
    private volatile boolean closed;

    InstrumentedMessageQueue(MessageQueue inner, ActorKindStats stats) {
        this.inner = inner;
        this.stats = stats;
        stats.opened(this);
    }

    public String kind() {
        return stats.kind();
    }

    @Override
    public void enqueue(ActorRef receiver, Envelope handle) {
        inner.enqueue(receiver, handle);
    }

    @Override
    public Envelope dequeue() {
        Envelope e = inner.dequeue();
        if (e != null) {
            SLOTS.setOpaque(dequeued, SLOT, (long) SLOTS.getOpaque(dequeued, SLOT) + 1L);
        }
        return e;
    }

    @Override
    public int numberOfMessages() {
        return inner.numberOfMessages();
    }

    @Override
    public boolean hasMessages() {
        return inner.hasMessages();
    }

    @Override
    public void cleanUp(ActorRef owner, MessageQueue deadLetters) {
        if (!closed) {
            closed = true;
            stats.closed(this);
        }
        inner.cleanUp(owner, deadLetters);
    }

    /** Messages this actor has taken out of its mailbox. */
    long processed() {
        return (long) SLOTS.getOpaque(dequeued, SLOT);
    }

    /** Messages waiting now (the queue walks its nodes: called only when metrics are read). */
    long depth() {
        return closed ? 0 : inner.numberOfMessages();
    }
}
