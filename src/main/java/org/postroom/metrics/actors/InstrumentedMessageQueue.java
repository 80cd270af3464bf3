package org.postroom.metrics.actors;

import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.dispatch.Envelope;
import org.apache.pekko.dispatch.MessageQueue;
import org.apache.pekko.dispatch.UnboundedMessageQueueSemantics;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One actor's mailbox: Pekko's unbounded queue, counting what goes in and what comes out. The hot path
 * costs one atomic add on enqueue (several senders) and, on dequeue, a plain single-writer increment
 * (only the actor's current thread dequeues) plus the kind's striped counter. Registered with its
 * {@link ActorKindStats} while the actor lives; on clean-up the rest goes to dead letters uncounted.
 */
public final class InstrumentedMessageQueue implements MessageQueue, UnboundedMessageQueueSemantics {
    private static final VarHandle ENQUEUED;
    private static final VarHandle DEQUEUED;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            ENQUEUED = l.findVarHandle(InstrumentedMessageQueue.class, "enqueued", long.class);
            DEQUEUED = l.findVarHandle(InstrumentedMessageQueue.class, "dequeued", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final MessageQueue inner;
    private final ActorKindStats stats;
    @SuppressWarnings("unused") // through ENQUEUED
    private volatile long enqueued;
    @SuppressWarnings("unused") // through DEQUEUED; one writer at a time (the mailbox's run)
    private long dequeued;
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
        ENQUEUED.getAndAdd(this, 1L);
        inner.enqueue(receiver, handle);
    }

    @Override
    public Envelope dequeue() {
        Envelope e = inner.dequeue();
        if (e != null) {
            DEQUEUED.setOpaque(this, (long) DEQUEUED.getOpaque(this) + 1L);
            stats.processedOne();
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

    /** Messages waiting now (approximate while senders race; never negative). */
    long depth() {
        long out = (long) DEQUEUED.getOpaque(this);
        long in = (long) ENQUEUED.getVolatile(this);
        return Math.max(0L, in - out);
    }
}
