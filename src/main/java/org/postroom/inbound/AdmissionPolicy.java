package org.postroom.inbound;

import org.postroom.metrics.SessionCounters;

/**
 * The admission decision of one listener: a connection is admitted while fewer than the limit are
 * active, else refused ("Server Too Busy"). Plain and single-threaded: only its guardian calls it, so
 * the count never drifts; the counters it updates are readable from any thread.
 */
public final class AdmissionPolicy {
    private final SessionCounters counters;
    private int limit;

    public AdmissionPolicy(SessionCounters counters, int limit) {
        this.counters = counters;
        setLimit(limit);
    }

    /** True (and counted in) when one more session fits; false (and counted as refused) otherwise. */
    public boolean tryAdmit() {
        if (counters.active() >= limit) {
            counters.refused();
            return false;
        }
        counters.opened();
        return true;
    }

    /** A session ended, whatever way. Called exactly once per admitted session. */
    public void release(boolean failed) {
        counters.closed();
        if (failed) {
            counters.failed();
        }
    }

    /** A new limit applies to new connections; open sessions stay. */
    public void setLimit(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1");
        }
        this.limit = limit;
        counters.setLimit(limit);
    }

    public int limit() {
        return limit;
    }

    public long active() {
        return counters.active();
    }
}
