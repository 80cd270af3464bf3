package org.postroom.hosthealth;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The connection failure cache: IP address dialled → failed until. After a failed connection no new
 * connection goes to that address until the entry expires; a successful delivery clears it at once.
 * A time-to-live of zero caches nothing. Plain Java, not thread-safe: owned by {@link HostHealth}.
 */
public final class FailureCache {
    private final Clock clock;
    private Duration ttl;
    private final Map<InetAddress, Instant> failedUntil = new HashMap<>();

    public FailureCache(Clock clock, Duration ttl) {
        this.clock = clock;
        this.ttl = ttl;
    }

    public void setTtl(Duration ttl) {
        this.ttl = ttl;
    }

    /** Records a failed connection; no-op when the time-to-live is zero. */
    public void recordFailure(InetAddress address) {
        if (ttl.isZero() || ttl.isNegative()) {
            return;
        }
        failedUntil.put(address, clock.instant().plus(ttl));
    }

    /** Forgets the address (a delivery to it succeeded). */
    public void clear(InetAddress address) {
        failedUntil.remove(address);
    }

    public boolean isCached(InetAddress address) {
        Instant until = failedUntil.get(address);
        if (until == null) {
            return false;
        }
        if (!clock.instant().isBefore(until)) {
            failedUntil.remove(address);
            return false;
        }
        return true;
    }

    /** Drops expired entries and returns how many remain. */
    public int size() {
        purge();
        return failedUntil.size();
    }

    /** The live entries: address → failed until, in address order of insertion. */
    public Map<InetAddress, Instant> snapshot() {
        purge();
        return new LinkedHashMap<>(failedUntil);
    }

    private void purge() {
        Instant now = clock.instant();
        failedUntil.values().removeIf(until -> !now.isBefore(until));
    }
}
