package org.postroom.security;

import org.postroom.testsupport.MutableClock;
import org.junit.jupiter.api.Test;
import org.postroom.inbound.PerIpAdmission;
import org.postroom.inbound.PerIpAdmission.Decision;
import org.postroom.inbound.PerIpAdmission.Limits;
import org.postroom.net.IpRange;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PerIpAdmissionTest {
    private final MutableClock clock = new MutableClock();

    private static InetAddress ip(String s) throws Exception {
        return InetAddress.getByAddress(IpRange.literal(s));
    }

    @Test
    void sessionsFromOneAddressShouldBeCappedAndFreedOnRelease() throws Exception {
        PerIpAdmission p = new PerIpAdmission(new Limits(2, 0, List.of(), false, false), clock);
        InetAddress a = ip("198.51.100.7");
        assertEquals(Decision.ADMIT, p.tryAdmit(a));
        assertEquals(Decision.ADMIT, p.tryAdmit(a));
        assertEquals(Decision.TOO_MANY_SESSIONS, p.tryAdmit(a));
        assertEquals(Decision.ADMIT, p.tryAdmit(ip("198.51.100.8")), "another address has its own count");
        p.release(a);
        assertEquals(1, p.openFrom(a));
        assertEquals(Decision.ADMIT, p.tryAdmit(a));
    }

    @Test
    void releaseShouldNeverDriveTheCountBelowZero() throws Exception {
        PerIpAdmission p = new PerIpAdmission(new Limits(1, 0, List.of(), false, false), clock);
        InetAddress a = ip("198.51.100.7");
        p.release(a);
        assertEquals(0, p.openFrom(a));
        assertEquals(Decision.ADMIT, p.tryAdmit(a));
        assertEquals(Decision.TOO_MANY_SESSIONS, p.tryAdmit(a));
    }

    @Test
    void connectionRateShouldBeLimitedPerSlidingMinute() throws Exception {
        PerIpAdmission p = new PerIpAdmission(new Limits(0, 3, List.of(), false, false), clock);
        InetAddress a = ip("203.0.113.9");
        for (int i = 0; i < 3; i++) {
            assertEquals(Decision.ADMIT, p.tryAdmit(a));
            p.release(a);
            clock.advance(Duration.ofSeconds(10));
        }
        assertEquals(Decision.TOO_MANY_CONNECTIONS, p.tryAdmit(a));
        // The first connection was 30 s ago; 31 s more and it leaves the window.
        clock.advance(Duration.ofSeconds(31));
        assertEquals(Decision.ADMIT, p.tryAdmit(a));
        assertEquals(Decision.TOO_MANY_CONNECTIONS, p.tryAdmit(a));
    }

    @Test
    void reservedAddressesShouldBeExemptUnlessSwitchedOn() throws Exception {
        InetAddress loopback = ip("127.0.0.1");
        PerIpAdmission exempt = new PerIpAdmission(new Limits(1, 1, List.of(), false, false), clock);
        for (int i = 0; i < 5; i++) {
            assertEquals(Decision.ADMIT, exempt.tryAdmit(loopback));
        }
        assertEquals(0, exempt.openFrom(loopback));
        assertTrue(exempt.exempt(ip("10.1.2.3")));
        assertTrue(exempt.exempt(ip("::1")));

        PerIpAdmission counted = new PerIpAdmission(new Limits(1, 0, List.of(), false, true), clock);
        assertEquals(Decision.ADMIT, counted.tryAdmit(loopback));
        assertEquals(Decision.TOO_MANY_SESSIONS, counted.tryAdmit(loopback));
    }

    @Test
    void trustedAddressesShouldBeExemptUnlessTrustedUseTheLimit() throws Exception {
        List<IpRange> trusted = List.of(IpRange.parse("192.0.2.0/24"));
        InetAddress a = ip("192.0.2.44");
        PerIpAdmission exempt = new PerIpAdmission(new Limits(1, 0, trusted, false, false), clock);
        assertEquals(Decision.ADMIT, exempt.tryAdmit(a));
        assertEquals(Decision.ADMIT, exempt.tryAdmit(a));
        InetAddress outside = ip("192.0.3.1");
        assertEquals(Decision.ADMIT, exempt.tryAdmit(outside));
        assertEquals(Decision.TOO_MANY_SESSIONS, exempt.tryAdmit(outside), "an address outside the range is limited");

        PerIpAdmission counted = new PerIpAdmission(new Limits(1, 0, trusted, true, false), clock);
        assertEquals(Decision.ADMIT, counted.tryAdmit(a));
        assertEquals(Decision.TOO_MANY_SESSIONS, counted.tryAdmit(a));
    }

    @Test
    void zeroLimitsShouldAdmitEverythingAndTrackNothing() throws Exception {
        PerIpAdmission p = new PerIpAdmission(Limits.NONE, clock);
        InetAddress a = ip("198.51.100.1");
        for (int i = 0; i < 100; i++) {
            assertTrue(p.tryAdmit(a).admitted());
        }
        assertEquals(0, p.trackedAddresses());
    }

    @Test
    void newLimitsShouldApplyToNewConnectionsWhileOpenSessionsStillCount() throws Exception {
        PerIpAdmission p = new PerIpAdmission(new Limits(3, 0, List.of(), false, false), clock);
        InetAddress a = ip("198.51.100.7");
        p.tryAdmit(a);
        p.tryAdmit(a);
        p.setLimits(new Limits(2, 0, List.of(), false, false));
        assertFalse(p.tryAdmit(a).admitted());
        p.release(a);
        assertTrue(p.tryAdmit(a).admitted());
    }

    @Test
    void expiredRateEntriesShouldBeSweptSoMemoryStaysBounded() throws Exception {
        PerIpAdmission p = new PerIpAdmission(new Limits(0, 5, List.of(), false, false), clock);
        for (int i = 0; i < 5000; i++) {
            p.tryAdmit(ip("198.18." + (i / 256) + "." + (i % 256)));
        }
        assertTrue(p.trackedAddresses() >= 4096);
        clock.advance(Duration.ofMinutes(2));
        p.tryAdmit(ip("203.0.113.1"));
        assertTrue(p.trackedAddresses() <= 2, "expired entries swept, got " + p.trackedAddresses());
    }
}
