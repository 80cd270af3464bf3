package org.postroom.metrics;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The session figures of one kind: active, peak, accepted, refused (Server Too Busy), and the limit.
 * Written only by the owning actor (a guardian or router), read by the metrics scrape from any thread.
 */
public final class SessionCounters {
    private final String kind;
    private final AtomicLong active = new AtomicLong();
    private final AtomicLong peak = new AtomicLong();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong limit = new AtomicLong();

    public SessionCounters(String kind) {
        this.kind = kind;
    }

    public String kind() {
        return kind;
    }

    public void opened() {
        accepted.incrementAndGet();
        long now = active.incrementAndGet();
        peak.accumulateAndGet(now, Math::max);
    }

    public void closed() {
        active.decrementAndGet();
    }

    public void refused() {
        refused.incrementAndGet();
    }

    /** A session that ended by failure (exception), counted besides {@link #closed}. */
    public void failed() {
        failed.incrementAndGet();
    }

    public void setLimit(long value) {
        limit.set(value);
    }

    public long active() {
        return active.get();
    }

    public long peak() {
        return peak.get();
    }

    public long accepted() {
        return accepted.get();
    }

    public long refusedCount() {
        return refused.get();
    }

    public long failedCount() {
        return failed.get();
    }

    public long limit() {
        return limit.get();
    }
}
