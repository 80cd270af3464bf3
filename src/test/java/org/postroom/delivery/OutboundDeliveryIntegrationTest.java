package org.postroom.delivery;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postroom.testsupport.RecordingSmtpPeer;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Outbound delivery end to end over loopback: DNS responder, recording SMTP peers, real sockets. */
class OutboundDeliveryIntegrationTest {
    static {
        LoggerFactory.getLogger(OutboundDeliveryIntegrationTest.class);
    }

    private static final ActorTestKit testKit = ActorTestKit.create();
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dataDir;

    @AfterAll
    static void shutdown() {
        testKit.shutdownTestKit();
    }

    private OutboundHarness harness() throws Exception {
        OutboundHarness h = new OutboundHarness(testKit, dataDir);
        h.dns.mx("remote.test", 10, "mx1.remote.test").mx("remote.test", 20, "mx2.remote.test")
                .a("mx1.remote.test", "127.0.0.2").a("mx2.remote.test", "127.0.0.3");
        h.dns.mx("single.test", 10, "mx1.remote.test");
        h.dns.a("smart.test", "127.0.0.4");
        return h;
    }

    @Test
    void twentyMessagesWithFiveSessionsShouldTravelOverFiveConnectionsOfFourEach() throws Exception {
        try (OutboundHarness h = harness()) {
            h.mx1.dataDelay(Duration.ofMillis(250));
            h.enqueue(20, "alice@example.test", "someone@remote.test");
            h.start("max-sessions = 5");

            await().atMost(WAIT).until(() -> h.mx1.received().size() == 20);
            await().atMost(WAIT).until(() -> h.metrics.sessions("smtp-out").active() == 0);
            assertEquals(5, h.mx1.connections());
            assertEquals(Map.of(1, 4, 2, 4, 3, 4, 4, 4, 5, 4), h.mx1.messagesPerConnection());
            assertTrue(h.mx1.maxConcurrentConnections() <= 5);
            assertEquals(5, h.metrics.sessions("smtp-out").accepted());
            assertEquals(5, h.metrics.sessions("smtp-out").peak());
            await().atMost(WAIT).until(() -> h.metrics.deliveries("delivered") == 20.0);
            await().atMost(WAIT).until(() -> h.metrics.queueMessages().get() == 0);
            List<String> commands = h.mx1.commands();
            assertEquals(15, commands.stream().filter(c -> c.endsWith(" RSET")).count());
            await().atMost(WAIT).until(() -> h.mx1.commands().stream().filter(c -> c.endsWith(" QUIT")).count() == 5);
            RecordingSmtpPeer.Received first = h.mx1.received().get(0);
            assertEquals("alice@example.test", first.sender());
            assertTrue(first.text().contains("\r\n.a line with a dot\r\n"), "dots are unstuffed back by the peer");
            try (Stream<Path> s = Files.list(h.spool.dir())) {
                assertEquals(0, s.count());
            }
        }
    }

    @Test
    void aSessionShouldStopAtItsMessageCapAndFreshSessionsTakeOver() throws Exception {
        try (OutboundHarness h = harness()) {
            h.mx1.dataDelay(Duration.ofMillis(50));
            h.enqueue(12, "alice@example.test", "someone@remote.test");
            h.start("max-sessions = 2\nmax-messages-per-session = 3");

            await().atMost(WAIT).until(() -> h.mx1.received().size() == 12);
            assertTrue(h.mx1.messagesPerConnection().values().stream().allMatch(n -> n <= 3),
                    h.mx1.messagesPerConnection().toString());
            assertTrue(h.mx1.connections() >= 4);
            assertTrue(h.mx1.maxConcurrentConnections() <= 2);
            assertTrue(h.metrics.sessions("smtp-out").accepted() >= 4);
            assertTrue(h.metrics.sessions("smtp-out").peak() <= 2);
        }
    }

    @Test
    void aDeadFirstMxShouldBeSkippedForTheCacheDurationAndTriedAgainAfterIt() throws Exception {
        try (OutboundHarness h = harness()) {
            h.mx1.greet421(true);
            h.start("max-sessions = 1\nfailure-cache = 5 seconds");

            h.enqueue(1, "alice@example.test", "a@remote.test");
            await().atMost(WAIT).until(() -> h.mx2.received().size() == 1);
            assertEquals(1, h.mx1.connections());
            assertTrue(h.isCached("127.0.0.2"));
            await().atMost(WAIT).until(() -> h.metrics.sessions("smtp-out").active() == 0);

            h.enqueue(1, "alice@example.test", "b@remote.test");
            await().atMost(WAIT).until(() -> h.mx2.received().size() == 2);
            assertEquals(1, h.mx1.connections(), "the cached MX is not dialled again");
            assertEquals(1, h.metrics.cachedFailures().get());
            await().atMost(WAIT).until(() -> h.metrics.sessions("smtp-out").active() == 0);

            h.mx1.greet421(false);
            await().atMost(WAIT).until(() -> !h.isCached("127.0.0.2"));
            h.enqueue(1, "alice@example.test", "c@remote.test");
            await().atMost(WAIT).until(() -> h.mx1.received().size() == 1);
            assertEquals(2, h.mx1.connections());
            assertEquals(0.0, h.metrics.deliveries("deferred"));
        }
    }

    @Test
    void aFullPerIpLimitShouldSendTheNextSessionToTheNextMx() throws Exception {
        try (OutboundHarness h = harness()) {
            h.mx1.dataDelay(Duration.ofMillis(600));
            h.mx2.dataDelay(Duration.ofMillis(600));
            h.enqueue(2, "alice@example.test", "someone@remote.test");
            h.start("max-sessions = 2\nmax-connections-per-ip = 1\nreserved-ips-use-connection-limit = true");

            await().atMost(WAIT).until(() -> h.mx1.received().size() + h.mx2.received().size() == 2);
            assertEquals(1, h.mx1.received().size());
            assertEquals(1, h.mx2.received().size());
            assertEquals(1, h.mx1.maxConcurrentConnections());
            assertTrue(h.metrics.tokenDenials().get() >= 1);
            await().atMost(WAIT).until(() -> h.metrics.tokensInUse().get() == 0);
        }
    }

    @Test
    void withNoFreeHostTheMessageShouldStayQueuedAndGoInALaterCycle() throws Exception {
        try (OutboundHarness h = harness()) {
            h.mx1.dataDelay(Duration.ofMillis(300));
            h.enqueue(3, "alice@example.test", "someone@single.test");
            h.start("max-sessions = 3\nmax-connections-per-ip = 1\nreserved-ips-use-connection-limit = true\n"
                    + "delivery-interval = 1 second");

            await().atMost(WAIT).until(() -> h.mx1.received().size() == 3);
            assertEquals(1, h.mx1.maxConcurrentConnections());
            assertTrue(h.metrics.tokenDenials().get() >= 2);
            await().atMost(WAIT).until(() -> h.metrics.deliveries("delivered") == 3.0);
            assertEquals(0.0, h.metrics.deliveries("deferred"), "a skipped message uses no retry step");
        }
    }

    @Test
    void theSmartHostShouldTakeTheMailWhenNoMxHostCan() throws Exception {
        try (OutboundHarness h = harness()) {
            h.mx1.stopListening();
            h.start("max-sessions = 1\nsmart-host = \"smart.test:" + h.port() + "\"");
            h.enqueue(1, "alice@example.test", "someone@single.test");

            await().atMost(WAIT).until(() -> h.mx3.received().size() == 1);
            assertEquals(List.of("someone@single.test"), h.mx3.received().get(0).recipients());
            assertTrue(h.isCached("127.0.0.2"), "the refused MX went into the failure cache");
        }
    }

    @Test
    void a550ShouldBounceIntoTheLocalSendersMaildir() throws Exception {
        try (OutboundHarness h = harness()) {
            h.mx1.rejectRecipient("nobody@remote.test");
            h.start("max-sessions = 1");
            h.enqueue(1, "alice@example.test", "someone@remote.test", "nobody@remote.test");

            Path newDir = h.store.inbox("alice@example.test").resolve("new");
            await().atMost(WAIT).until(() -> Files.isDirectory(newDir) && count(newDir) == 1);
            assertEquals(List.of("someone@remote.test"), h.mx1.received().get(0).recipients());
            String dsn;
            try (Stream<Path> s = Files.list(newDir)) {
                dsn = Files.readString(s.findFirst().orElseThrow());
            }
            assertTrue(dsn.contains("report-type=delivery-status"), dsn);
            assertTrue(dsn.contains("Final-Recipient: rfc822; nobody@remote.test"), dsn);
            assertTrue(dsn.contains("Diagnostic-Code: smtp; 550 5.1.1"), dsn);
            await().atMost(WAIT).until(() -> h.metrics.deliveries("bounced") == 1.0);
            assertEquals(1.0, h.metrics.deliveries("delivered"));
        }
    }

    @Test
    void aServerOfferingStartTlsShouldGetTheMailOverTls(@TempDir Path tlsDir) throws Exception {
        javax.net.ssl.SSLContext server = org.postroom.tls.ServerTls.load(
                new org.postroom.tls.TlsSettings(null, "", null, null, true), tlsDir, "mx1.remote.test").context();
        try (OutboundHarness h = harness()) {
            h.mx1.starttls(server);
            h.enqueue(2, "alice@example.test", "someone@remote.test");
            h.start("max-sessions = 1");

            await().atMost(WAIT).until(() -> h.mx1.received().size() == 2);
            assertEquals(1, h.mx1.connections());
            assertEquals(1, h.mx1.tlsProtocols().size());
            assertTrue(h.mx1.tlsProtocols().get(0).startsWith("TLSv1."), h.mx1.tlsProtocols().toString());
            List<String> commands = h.mx1.commands();
            assertEquals(2, commands.stream().filter(c -> c.startsWith("1 EHLO")).count(), "EHLO again after TLS");
        }
    }

    @Test
    void aBrokenTlsHandshakeShouldFallBackToPlaintextWithoutCachingTheHost(@TempDir Path tlsDir) throws Exception {
        javax.net.ssl.SSLContext server = org.postroom.tls.ServerTls.load(
                new org.postroom.tls.TlsSettings(null, "", null, null, true), tlsDir, "mx1.remote.test").context();
        try (OutboundHarness h = harness()) {
            h.mx1.starttls(server).brokenTls(true);
            h.start("max-sessions = 1");
            h.enqueue(1, "alice@example.test", "someone@remote.test");

            await().atMost(WAIT).until(() -> h.mx1.received().size() == 1);
            assertEquals(2, h.mx1.connections());
            assertTrue(h.mx1.tlsProtocols().isEmpty());
            assertTrue(!h.isCached("127.0.0.2"));
            assertEquals(0.0, h.metrics.deliveries("deferred"));
        }
    }

    @Test
    void tlsRequiredShouldSkipAnMxWithoutStartTlsWithoutCachingItAndUseOneThatOffersIt(@TempDir Path tlsDir)
            throws Exception {
        javax.net.ssl.SSLContext server = org.postroom.tls.ServerTls.load(
                new org.postroom.tls.TlsSettings(null, "", null, null, true), tlsDir, "mx2.remote.test").context();
        try (OutboundHarness h = harness()) {
            h.mx2.starttls(server);
            h.start("max-sessions = 1\ntls = required");
            h.enqueue(1, "alice@example.test", "someone@remote.test");

            await().atMost(WAIT).until(() -> h.mx2.received().size() == 1);
            assertTrue(h.mx1.received().isEmpty(), "nothing in plaintext to the MX without STARTTLS");
            assertEquals(1, h.mx2.tlsProtocols().size());
            assertTrue(!h.isCached("127.0.0.2"), "a host without TLS is not a failed connection");
        }
    }

    @Test
    void tlsRequiredWithNoHostOfferingItShouldKeepTheMessageQueued() throws Exception {
        try (OutboundHarness h = harness()) {
            h.start("max-sessions = 1\ntls = required");
            h.enqueue(1, "alice@example.test", "someone@remote.test");

            await().atMost(WAIT).until(() -> h.metrics.deliveries("deferred") == 1.0);
            assertTrue(h.mx1.received().isEmpty() && h.mx2.received().isEmpty());
            assertEquals(0.0, h.metrics.deliveries("bounced"));
        }
    }

    @Test
    void tlsOffShouldDeliverInPlaintextToAServerOfferingStartTls(@TempDir Path tlsDir) throws Exception {
        javax.net.ssl.SSLContext server = org.postroom.tls.ServerTls.load(
                new org.postroom.tls.TlsSettings(null, "", null, null, true), tlsDir, "mx1.remote.test").context();
        try (OutboundHarness h = harness()) {
            h.mx1.starttls(server);
            h.start("max-sessions = 1\ntls = off");
            h.enqueue(1, "alice@example.test", "someone@remote.test");

            await().atMost(WAIT).until(() -> h.mx1.received().size() == 1);
            assertTrue(h.mx1.tlsProtocols().isEmpty());
        }
    }

    private static long count(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.count();
        }
    }
}
