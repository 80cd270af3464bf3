package org.postroom.metrics.actors;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The figures of one actor kind: the mailboxes of its live actors (their number is the live count, the
 * sum of their depths the mailbox depth) and the messages its actors have taken out of their mailboxes.
 * Updated from the mailboxes on any thread; read on the metrics thread.
 */
public final class ActorKindStats {
    private final String kind;
    private final Set<InstrumentedMessageQueue> live = ConcurrentHashMap.newKeySet();
    private final LongAdder processed = new LongAdder();
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

    void closed(InstrumentedMessageQueue queue) {
        live.remove(queue);
    }

    void processedOne() {
        processed.increment();
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
    public long processed() {
        return processed.sum();
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
