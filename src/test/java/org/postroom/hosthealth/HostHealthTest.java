package org.postroom.hosthealth;

import org.postroom.testsupport.MutableClock;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.postroom.metrics.Metrics;
import org.postroom.queue.TestSettings;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HostHealthTest {
    static {
        LoggerFactory.getLogger(HostHealthTest.class);
    }

    private static final ActorTestKit testKit = ActorTestKit.create();

    @AfterAll
    static void shutdown() {
        testKit.shutdownTestKit();
    }

    private static InetAddress ip(String s) throws Exception {
        return InetAddress.getByName(s);
    }

    private static Behavior<String> holder() {
        return Behaviors.receiveMessage(m -> {
            if (m.equals("crash")) {
                throw new IllegalStateException("holder crashed on purpose");
            }
            return Behaviors.stopped();
        });
    }

    private HostHealth.AcquireReply acquire(ActorRef<HostHealth.Command> hh, String address, ActorRef<?> holder)
            throws Exception {
        TestProbe<HostHealth.AcquireReply> probe = testKit.createTestProbe();
        hh.tell(new HostHealth.Acquire(ip(address), holder, probe.getRef()));
        return probe.receiveMessage();
    }

    @Test
    void theLimitShouldHoldExactlyUnderManyConcurrentRequests() throws Exception {
        Metrics metrics = new Metrics();
        ActorRef<HostHealth.Command> hh = testKit.spawn(HostHealth.create(
                TestSettings.outbound("max-connections-per-ip = 3"), metrics, new MutableClock()));
        TestProbe<HostHealth.AcquireReply> replies = testKit.createTestProbe();
        List<ActorRef<String>> holders = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            holders.add(testKit.spawn(holder()));
        }
        InetAddress target = ip("192.0.2.10");
        IntStream.range(0, 60).parallel().forEach(i ->
                hh.tell(new HostHealth.Acquire(target, holders.get(i), replies.getRef())));
        List<HostHealth.AcquireReply> all = replies.receiveSeveralMessages(60);
        assertEquals(3, all.stream().filter(r -> r instanceof HostHealth.Granted).count());
        assertEquals(57, all.stream().filter(r -> r instanceof HostHealth.Denied).count());
        assertEquals(3, metrics.tokensInUse().get());
        assertEquals(57, metrics.tokenDenials().get());
    }

    @Test
    void reservedAddressesShouldBeExemptUnlessReservedIpsUseConnectionLimit() throws Exception {
        ActorRef<String> a = testKit.spawn(holder());
        ActorRef<String> b = testKit.spawn(holder());
        ActorRef<HostHealth.Command> exempt = testKit.spawn(HostHealth.create(
                TestSettings.outbound("max-connections-per-ip = 1"), new Metrics(), new MutableClock()));
        assertInstanceOf(HostHealth.Granted.class, acquire(exempt, "127.0.0.2", a));
        assertInstanceOf(HostHealth.Granted.class, acquire(exempt, "127.0.0.2", b));

        ActorRef<HostHealth.Command> limited = testKit.spawn(HostHealth.create(
                TestSettings.outbound("max-connections-per-ip = 1\nreserved-ips-use-connection-limit = true"),
                new Metrics(), new MutableClock()));
        assertInstanceOf(HostHealth.Granted.class, acquire(limited, "127.0.0.2", a));
        assertInstanceOf(HostHealth.Denied.class, acquire(limited, "127.0.0.2", b));
    }

    @Test
    void trustedAddressesShouldBeExemptUnlessTrustedIpsUseConnectionLimit() throws Exception {
        ActorRef<String> a = testKit.spawn(holder());
        ActorRef<String> b = testKit.spawn(holder());
        ActorRef<HostHealth.Command> exempt = testKit.spawn(HostHealth.create(TestSettings.outbound(
                "max-connections-per-ip = 1\ntrusted-ips = [\"203.0.113.0/24\"]"), new Metrics(), new MutableClock()));
        assertInstanceOf(HostHealth.Granted.class, acquire(exempt, "203.0.113.5", a));
        assertInstanceOf(HostHealth.Granted.class, acquire(exempt, "203.0.113.5", b));
        assertInstanceOf(HostHealth.Granted.class, acquire(exempt, "198.51.100.5", a));
        assertInstanceOf(HostHealth.Denied.class, acquire(exempt, "198.51.100.5", b));

        ActorRef<HostHealth.Command> limited = testKit.spawn(HostHealth.create(TestSettings.outbound(
                        "max-connections-per-ip = 1\ntrusted-ips = [\"203.0.113.0/24\"]\n"
                                + "trusted-ips-use-connection-limit = true"), new Metrics(), new MutableClock()));
        assertInstanceOf(HostHealth.Granted.class, acquire(limited, "203.0.113.5", a));
        assertInstanceOf(HostHealth.Denied.class, acquire(limited, "203.0.113.5", b));
    }

    @Test
    void aFailedAddressShouldBeCachedUntilExpiryAndClearedBySuccess() throws Exception {
        MutableClock clock = new MutableClock();
        Metrics metrics = new Metrics();
        ActorRef<HostHealth.Command> hh = testKit.spawn(HostHealth.create(
                TestSettings.outbound("failure-cache = 2 minutes"), metrics, clock));
        ActorRef<String> a = testKit.spawn(holder());
        TestProbe<HostHealth.CacheStatus> status = testKit.createTestProbe();

        hh.tell(new HostHealth.ReportFailure(ip("192.0.2.20")));
        assertInstanceOf(HostHealth.Cached.class, acquire(hh, "192.0.2.20", a));
        hh.tell(new HostHealth.IsCached(ip("192.0.2.20"), status.getRef()));
        assertTrue(status.receiveMessage().cached());
        assertEquals(1, metrics.cachedFailures().get());
        @SuppressWarnings("unchecked")
        Map<String, Object> section = (Map<String, Object>) metrics.status().get("hosthealth");
        assertEquals(1, ((List<?>) section.get("cachedHosts")).size());

        clock.advance(Duration.ofMinutes(2));
        assertInstanceOf(HostHealth.Granted.class, acquire(hh, "192.0.2.20", a));
        assertEquals(0, metrics.cachedFailures().get());

        hh.tell(new HostHealth.ReportFailure(ip("192.0.2.20")));
        hh.tell(new HostHealth.ReportSuccess(ip("192.0.2.20")));
        hh.tell(new HostHealth.IsCached(ip("192.0.2.20"), status.getRef()));
        assertEquals(new HostHealth.CacheStatus(ip("192.0.2.20"), false), status.receiveMessage());
    }

    @Test
    void aZeroFailureCacheShouldNeverSkipAnAddress() throws Exception {
        ActorRef<HostHealth.Command> hh = testKit.spawn(HostHealth.create(
                TestSettings.outbound("failure-cache = 0"), new Metrics(), new MutableClock()));
        hh.tell(new HostHealth.ReportFailure(ip("192.0.2.21")));
        assertInstanceOf(HostHealth.Granted.class, acquire(hh, "192.0.2.21", testKit.spawn(holder())));
    }

    @Test
    void tokensShouldComeBackWhenTheirHolderStopsOrCrashes() throws Exception {
        Metrics metrics = new Metrics();
        ActorRef<HostHealth.Command> hh = testKit.spawn(HostHealth.create(
                TestSettings.outbound("max-connections-per-ip = 1"), metrics, new MutableClock()));
        ActorRef<String> stopping = testKit.spawn(holder());
        ActorRef<String> crashing = testKit.spawn(holder());
        ActorRef<String> other = testKit.spawn(holder());
        assertInstanceOf(HostHealth.Granted.class, acquire(hh, "192.0.2.30", stopping));
        assertInstanceOf(HostHealth.Granted.class, acquire(hh, "192.0.2.31", crashing));
        assertInstanceOf(HostHealth.Denied.class, acquire(hh, "192.0.2.30", other));
        assertEquals(2, metrics.tokensInUse().get());

        stopping.tell("stop");
        crashing.tell("crash");
        await().atMost(Duration.ofSeconds(5)).until(() -> metrics.tokensInUse().get() == 0);
        assertInstanceOf(HostHealth.Granted.class, acquire(hh, "192.0.2.30", other));
        assertInstanceOf(HostHealth.Granted.class, acquire(hh, "192.0.2.31", other));
    }

    @Test
    void anUpdateShouldApplyTheNewLimit() throws Exception {
        ActorRef<HostHealth.Command> hh = testKit.spawn(HostHealth.create(
                TestSettings.outbound("max-connections-per-ip = 1"), new Metrics(), new MutableClock()));
        ActorRef<String> a = testKit.spawn(holder());
        assertInstanceOf(HostHealth.Granted.class, acquire(hh, "192.0.2.40", a));
        assertInstanceOf(HostHealth.Denied.class, acquire(hh, "192.0.2.40", a));
        hh.tell(new HostHealth.UpdateSettings(TestSettings.outbound("max-connections-per-ip = 2")));
        assertInstanceOf(HostHealth.Granted.class, acquire(hh, "192.0.2.40", a));
    }
}
