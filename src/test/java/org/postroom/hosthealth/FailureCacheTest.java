package org.postroom.hosthealth;

import org.postroom.testsupport.MutableClock;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FailureCacheTest {
    private final MutableClock clock = new MutableClock();

    private static InetAddress ip(String s) throws Exception {
        return InetAddress.getByName(s);
    }

    @Test
    void aFailedAddressShouldStayCachedUntilTheTimeToLiveHasPassed() throws Exception {
        FailureCache cache = new FailureCache(clock, Duration.ofMinutes(5));
        cache.recordFailure(ip("192.0.2.1"));
        assertTrue(cache.isCached(ip("192.0.2.1")));
        assertFalse(cache.isCached(ip("192.0.2.2")));
        clock.advance(Duration.ofMinutes(5).minusMillis(1));
        assertTrue(cache.isCached(ip("192.0.2.1")));
        assertEquals(1, cache.size());
        clock.advance(Duration.ofMillis(1));
        assertFalse(cache.isCached(ip("192.0.2.1")));
        assertEquals(0, cache.size());
    }

    @Test
    void aZeroTimeToLiveShouldNeverCache() throws Exception {
        FailureCache cache = new FailureCache(clock, Duration.ZERO);
        cache.recordFailure(ip("192.0.2.1"));
        assertFalse(cache.isCached(ip("192.0.2.1")));
        assertEquals(0, cache.size());
    }

    @Test
    void aSuccessfulDeliveryShouldClearTheEntryAtOnce() throws Exception {
        FailureCache cache = new FailureCache(clock, Duration.ofMinutes(5));
        cache.recordFailure(ip("192.0.2.1"));
        cache.clear(ip("192.0.2.1"));
        assertFalse(cache.isCached(ip("192.0.2.1")));
        assertTrue(cache.snapshot().isEmpty());
    }

    @Test
    void aNewFailureShouldExtendTheEntry() throws Exception {
        FailureCache cache = new FailureCache(clock, Duration.ofMinutes(5));
        cache.recordFailure(ip("192.0.2.1"));
        clock.advance(Duration.ofMinutes(4));
        cache.recordFailure(ip("192.0.2.1"));
        clock.advance(Duration.ofMinutes(4));
        assertTrue(cache.isCached(ip("192.0.2.1")));
        assertEquals(clock.instant().plus(Duration.ofMinutes(1)), cache.snapshot().get(ip("192.0.2.1")));
    }
}
