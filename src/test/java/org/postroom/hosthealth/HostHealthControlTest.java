package org.postroom.hosthealth;

import org.postroom.testsupport.MutableClock;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.postroom.metrics.Metrics;
import org.postroom.queue.TestSettings;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The operator's host-health commands: snapshot (GET /hosts) and forget. */
class HostHealthControlTest {
    static {
        LoggerFactory.getLogger(HostHealthControlTest.class);
    }

    private static final ActorTestKit testKit = ActorTestKit.create();

    @AfterAll
    static void shutdown() {
        testKit.shutdownTestKit();
    }

    private static InetAddress ip(String s) throws Exception {
        return InetAddress.getByName(s);
    }

    private static HostHealth.Snapshot snapshot(ActorRef<HostHealth.Command> hh) {
        TestProbe<HostHealth.Snapshot> p = testKit.createTestProbe();
        hh.tell(new HostHealth.GetSnapshot(p.getRef()));
        return p.receiveMessage();
    }

    private static HostHealth.Forgotten forget(ActorRef<HostHealth.Command> hh, InetAddress address) {
        TestProbe<HostHealth.Forgotten> p = testKit.createTestProbe();
        hh.tell(new HostHealth.Forget(address, p.getRef()));
        return p.receiveMessage();
    }

    @Test
    void snapshotShouldListCachedFailuresWithExpiryAndReasonTokenHoldersAndTheRules() throws Exception {
        MutableClock clock = new MutableClock();
        Metrics metrics = new Metrics();
        ActorRef<HostHealth.Command> hh = testKit.spawn(HostHealth.create(TestSettings.outbound(
                "max-connections-per-ip = 2, failure-cache = 5 minutes, trusted-ips = [\"198.51.100.0/24\"]"),
                metrics, clock));
        hh.tell(new HostHealth.ReportFailure(ip("192.0.2.7"), "connection refused"));
        hh.tell(new HostHealth.ReportFailure(ip("192.0.2.8")));
        ActorRef<String> holder = testKit.spawn(Behaviors.ignore());
        TestProbe<HostHealth.AcquireReply> granted = testKit.createTestProbe();
        hh.tell(new HostHealth.Acquire(ip("203.0.113.5"), holder, granted.getRef()));
        hh.tell(new HostHealth.Acquire(ip("203.0.113.5"), holder, granted.getRef()));
        granted.receiveSeveralMessages(2).forEach(r -> assertInstanceOf(HostHealth.Granted.class, r));

        HostHealth.Snapshot s = snapshot(hh);
        assertEquals(List.of(
                new HostHealth.CachedFailure(ip("192.0.2.7"), clock.instant().plus(Duration.ofMinutes(5)), "connection refused"),
                new HostHealth.CachedFailure(ip("192.0.2.8"), clock.instant().plus(Duration.ofMinutes(5)), "")),
                s.cachedFailures().stream().sorted((a, b) -> a.address().getHostAddress()
                        .compareTo(b.address().getHostAddress())).toList());
        assertEquals(Map.of(ip("203.0.113.5"), 2), s.tokens());
        assertEquals(2, s.limit());
        assertEquals(List.of("198.51.100.0/24"), s.trustedIps());
        assertEquals(clock.instant(), s.asOf());

        clock.advance(Duration.ofMinutes(5));
        assertEquals(List.of(), snapshot(hh).cachedFailures(), "expired entries are not listed");
    }

    @Test
    void forgetShouldClearOneCachedFailureSoTheAddressIsGrantedAgain() throws Exception {
        MutableClock clock = new MutableClock();
        Metrics metrics = new Metrics();
        ActorRef<HostHealth.Command> hh = testKit.spawn(HostHealth.create(TestSettings.outbound(
                "failure-cache = 5 minutes"), metrics, clock));
        hh.tell(new HostHealth.ReportFailure(ip("192.0.2.7"), "greeting timeout"));
        hh.tell(new HostHealth.ReportFailure(ip("192.0.2.9"), "connection refused"));
        ActorRef<String> holder = testKit.spawn(Behaviors.ignore());
        TestProbe<HostHealth.AcquireReply> reply = testKit.createTestProbe();
        hh.tell(new HostHealth.Acquire(ip("192.0.2.7"), holder, reply.getRef()));
        assertInstanceOf(HostHealth.Cached.class, reply.receiveMessage());

        assertEquals(new HostHealth.Forgotten(ip("192.0.2.7"), true), forget(hh, ip("192.0.2.7")));
        assertEquals(1, metrics.cachedFailures().get());
        hh.tell(new HostHealth.Acquire(ip("192.0.2.7"), holder, reply.getRef()));
        assertInstanceOf(HostHealth.Granted.class, reply.receiveMessage());
        assertEquals(List.of(ip("192.0.2.9")), snapshot(hh).cachedFailures().stream()
                .map(HostHealth.CachedFailure::address).toList());
        assertEquals(new HostHealth.Forgotten(ip("192.0.2.7"), false), forget(hh, ip("192.0.2.7")));
    }

    @Test
    void aNewFailureAfterForgetShouldCarryItsOwnReason() throws Exception {
        MutableClock clock = new MutableClock();
        ActorRef<HostHealth.Command> hh = testKit.spawn(HostHealth.create(TestSettings.outbound(
                "failure-cache = 1 minute"), new Metrics(), clock));
        hh.tell(new HostHealth.ReportFailure(ip("2001:db8::1"), "connection refused"));
        forget(hh, ip("2001:db8::1"));
        hh.tell(new HostHealth.ReportFailure(ip("2001:db8::1"), "554 no service"));
        HostHealth.Snapshot s = snapshot(hh);
        assertEquals(1, s.cachedFailures().size());
        assertEquals("554 no service", s.cachedFailures().get(0).reason());
        assertTrue(s.tokens().isEmpty());
    }
}
