package org.postroom.metrics.actors;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The figures of one actor kind: the mailboxes of its live actors (their number is the live count, the
 * sum of their depths the mailbox depth) and the messages its actors have taken out of their mailboxes
 * (the live ones' own counts plus what stopped actors had processed, folded in when they stop, under the
 * same lock the reader takes, so the total never goes back). Updated from the mailboxes on any thread.
 */
public final class ActorKindStats {
    private final String kind;
    private final Set<InstrumentedMessageQueue> live = ConcurrentHashMap.newKeySet();
    private long retiredProcessed;
    private final LongAdder started = new LongAdder();

    ActorKindStats(String kind) {
        this.kind = kind;
    }

    public String kind() {
        return kind;
    }

    void opened(InstrumentedMessageQueue queue) {
        started.increment();
        live.add(queue);
    }

    synchronized void closed(InstrumentedMessageQueue queue) {
        if (live.remove(queue)) {
            retiredProcessed += queue.processed();
        }
    }

    /** Actors of this kind alive now. */
    public long live() {
        return live.size();
    }

    /** Actors of this kind started since the system began. */
    public long started() {
        return started.sum();
    }

    /** Messages taken out of the mailboxes of this kind's actors (to be processed) since start. */
    public synchronized long processed() {
        long sum = retiredProcessed;
        for (InstrumentedMessageQueue q : live) {
            sum += q.processed();
        }
        return sum;
    }

    /** Messages waiting in the mailboxes of this kind's live actors now. */
    public long mailboxDepth() {
        long depth = 0;
        for (InstrumentedMessageQueue q : live) {
            depth += q.depth();
        }
        return depth;
    }
}
