package org.postroom.auth;

import org.postroom.testsupport.MutableClock;
import org.junit.jupiter.api.Test;
import org.postroom.auth.AuthThrottle.Allowed;
import org.postroom.auth.AuthThrottle.Limits;
import org.postroom.auth.AuthThrottle.Refused;


import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AuthThrottleTest {
    private final MutableClock clock = new MutableClock();
    private final Limits limits = new Limits(3, Duration.ofMinutes(10), Duration.ofSeconds(1), Duration.ofSeconds(8));

    @Test
    void pauseShouldDoubleWithEachFailureUpToTheMaximum() {
        AuthThrottle t = new AuthThrottle(new Limits(0, Duration.ofMinutes(10), Duration.ofSeconds(1),
                Duration.ofSeconds(8)), clock);
        List<Long> pauses = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            pauses.add(t.failed("198.51.100.1", "alice").toSeconds());
        }
        assertEquals(List.of(1L, 2L, 4L, 8L, 8L, 8L), pauses);
        assertInstanceOf(Allowed.class, t.check("198.51.100.1", "alice"), "max-failures 0: never locked out");
    }

    @Test
    void anAddressShouldBeLockedOutAfterMaxFailuresWhateverAccountItTries() {
        AuthThrottle t = new AuthThrottle(limits, clock);
        t.failed("198.51.100.1", "alice");
        t.failed("198.51.100.1", "bob");
        assertInstanceOf(Allowed.class, t.check("198.51.100.1", "carol"));
        t.failed("198.51.100.1", "carol");
        Refused r = assertInstanceOf(Refused.class, t.check("198.51.100.1", "dave"));
        assertTrue(r.reason().contains("198.51.100.1"));
        assertInstanceOf(Allowed.class, t.check("198.51.100.2", "dave"), "another address is not locked");
    }

    @Test
    void anAccountShouldBeLockedOutAfterMaxFailuresFromAnyAddresses() {
        AuthThrottle t = new AuthThrottle(limits, clock);
        t.failed("198.51.100.1", "alice");
        t.failed("198.51.100.2", "alice");
        t.failed("198.51.100.3", "ALICE");
        assertInstanceOf(Refused.class, t.check("198.51.100.4", "alice"));
        assertInstanceOf(Allowed.class, t.check("198.51.100.4", "bob"));
    }

    @Test
    void loginNamesOfTheSameAccountShouldCountTogether() {
        Map<String, String> accounts = Map.of("alice", "alice@example.test", "alice@example.test", "alice@example.test");
        AuthThrottle t = new AuthThrottle(limits, clock, login -> Optional.ofNullable(accounts.get(login.toLowerCase())));
        t.failed("198.51.100.1", "alice");
        t.failed("198.51.100.2", "alice@example.test");
        t.failed("198.51.100.3", "Alice");
        assertInstanceOf(Refused.class, t.check("198.51.100.4", "alice@example.test"));
    }

    @Test
    void lockoutShouldEndAfterItsPeriodAndTheCountStartAfresh() {
        AuthThrottle t = new AuthThrottle(limits, clock);
        for (int i = 0; i < 3; i++) {
            t.failed("198.51.100.1", "alice");
        }
        Refused r = assertInstanceOf(Refused.class, t.check("198.51.100.1", "alice"));
        assertEquals(Duration.ofMinutes(10), r.retryAfter());
        clock.advance(Duration.ofMinutes(9));
        assertInstanceOf(Refused.class, t.check("198.51.100.1", "alice"));
        clock.advance(Duration.ofMinutes(1));
        assertInstanceOf(Allowed.class, t.check("198.51.100.1", "alice"));
        assertEquals(Duration.ofSeconds(1), t.failed("198.51.100.1", "alice"), "a fresh count after the lockout");
        assertInstanceOf(Allowed.class, t.check("198.51.100.1", "alice"));
    }

    @Test
    void oldFailuresShouldBeForgottenAfterTheLockoutPeriod() {
        AuthThrottle t = new AuthThrottle(limits, clock);
        t.failed("198.51.100.1", "alice");
        t.failed("198.51.100.1", "alice");
        clock.advance(Duration.ofMinutes(11));
        t.failed("198.51.100.1", "alice");
        assertInstanceOf(Allowed.class, t.check("198.51.100.1", "alice"));
        assertEquals(1, t.failuresOf("198.51.100.1"));
    }

    @Test
    void successShouldClearTheAddressAndTheAccount() {
        AuthThrottle t = new AuthThrottle(limits, clock);
        t.failed("198.51.100.1", "alice");
        t.failed("198.51.100.1", "alice");
        t.succeeded("198.51.100.1", "alice");
        assertEquals(0, t.failuresOf("198.51.100.1"));
        t.failed("198.51.100.1", "alice");
        assertInstanceOf(Allowed.class, t.check("198.51.100.1", "alice"));
    }

    @Test
    void newLimitsShouldApplyOnReload() {
        AuthThrottle t = new AuthThrottle(limits, clock);
        t.setLimits(new Limits(1, Duration.ofMinutes(1), Duration.ZERO, Duration.ZERO));
        assertEquals(Duration.ZERO, t.failed("198.51.100.1", "alice"));
        assertInstanceOf(Refused.class, t.check("198.51.100.1", "alice"));
    }

    @Test
    void concurrentFailuresShouldAllBeCounted() throws Exception {
        AuthThrottle t = new AuthThrottle(new Limits(1000, Duration.ofMinutes(10), Duration.ZERO, Duration.ZERO), clock);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                fs.add(pool.submit(() -> {
                    for (int j = 0; j < 200; j++) {
                        t.failed("198.51.100.1", "user" + j);
                    }
                }));
            }
            for (Future<?> f : fs) {
                f.get(10, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(800, t.failuresOf("198.51.100.1"));
        assertEquals(201, t.tracked());
    }

    @Test
    void trackedEntriesShouldStayBoundedUnderManyAddresses() {
        AuthThrottle t = new AuthThrottle(new Limits(5, Duration.ofMinutes(1), Duration.ZERO, Duration.ZERO), clock);
        for (int i = 0; i < AuthThrottle.MAX_ENTRIES / 2 + 10; i++) {
            t.failed("10.0." + (i >> 8 & 0xff) + "." + (i & 0xff) + "#" + i, "nobody" + i);
        }
        clock.advance(Duration.ofMinutes(2));
        t.failed("198.51.100.1", "alice");
        assertTrue(t.tracked() <= AuthThrottle.MAX_ENTRIES + 2, "tracked " + t.tracked());
        assertTrue(t.tracked() < 10, "expired entries swept, tracked " + t.tracked());
    }
}
