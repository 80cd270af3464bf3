package org.postroom.delivery;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postroom.testsupport.DnsTestServer;
import org.postroom.testsupport.RecordingSmtpPeer;
import org.postroom.testsupport.TestEngine;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Outbound delivery inside the whole engine ({@link TestEngine}), mail injected through its spool. */
class OutboundEngineIntegrationTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    private DnsTestServer dns;
    private RecordingSmtpPeer mx1;
    private RecordingSmtpPeer mx2;

    @BeforeEach
    void start() throws Exception {
        dns = DnsTestServer.start();
        dns.mx("remote.test", 10, "mx1.remote.test").mx("remote.test", 20, "mx2.remote.test")
                .a("mx1.remote.test", "127.0.0.2").a("mx2.remote.test", "127.0.0.3");
        for (int attempt = 0; ; attempt++) {
            mx1 = RecordingSmtpPeer.start("127.0.0.2", 0);
            try {
                mx2 = RecordingSmtpPeer.start("127.0.0.3", mx1.port());
                break;
            } catch (java.io.IOException e) {
                mx1.close();
                if (attempt > 10) {
                    throw e;
                }
            }
        }
    }

    @AfterEach
    void stop() throws Exception {
        dns.close();
        mx1.close();
        mx2.close();
    }

    private String outbound(String more) {
        return "outbound { dns.servers = [\"" + dns.address() + "\"], remote-port = " + mx1.port() + "\n" + more + " }";
    }

    private static byte[] message(int i) {
        return ("From: alice@example.test\r\nTo: someone@remote.test\r\nSubject: engine " + i + "\r\n\r\nHi.\r\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void mailSpooledInARunningEngineShouldBeDeliveredAtOnceWithinTheSessionLimit() throws Exception {
        try (TestEngine engine = TestEngine.start(outbound("max-sessions = 5"))) {
            for (int i = 0; i < 20; i++) {
                engine.services().spool().enqueue("alice@example.test", List.of("someone@remote.test"), message(i));
            }
            await().atMost(WAIT).until(() -> mx1.received().size() == 20);
            await().atMost(WAIT).until(() -> engine.metrics().queueMessages().get() == 0);
            assertTrue(mx1.maxConcurrentConnections() <= 5);
            assertTrue(engine.metrics().sessions("smtp-out").peak() <= 5);
            assertEquals(5, engine.metrics().sessions("smtp-out").limit());
            await().atMost(WAIT).until(() -> engine.metrics().sessions("smtp-out").active() == 0);
            String scrape = engine.metrics().scrape();
            assertTrue(scrape.contains("postroom_deliveries_total{result=\"delivered\"} 20.0"), scrape);
            assertTrue(scrape.contains("postroom_queue_messages 0.0"), scrape);
            for (String actor : List.of("QueueActor", "HostHealth", "OutboundRouter")) {
                assertTrue(scrape.contains("postroom_actors_live{actor=\"" + actor + "\"} 1.0"), actor);
            }
            assertTrue(scrape.contains("postroom_actors_started_total{actor=\"DeliveryActor\"}"), scrape);
        }
    }

    @Test
    void statusShouldListTheCachedHostAndALocalSenderShouldGetItsBounce() throws Exception {
        mx1.stopListening();
        mx2.rejectRecipient("nobody@remote.test");
        try (TestEngine engine = TestEngine.start(outbound("max-sessions = 2"))) {
            engine.services().spool().enqueue("alice@example.test", List.of("nobody@remote.test"), message(1));
            Path inbox = engine.dataDir().resolve("mail/example.test/alice/new");
            await().atMost(WAIT).until(() -> Files.isDirectory(inbox) && Files.list(inbox).count() == 1);
            @SuppressWarnings("unchecked")
            Map<String, Object> hh = (Map<String, Object>) engine.metrics().status().get("hosthealth");
            List<?> cached = (List<?>) hh.get("cachedHosts");
            assertEquals(1, cached.size(), hh.toString());
            assertTrue(cached.get(0).toString().contains("127.0.0.2"), hh.toString());
            assertEquals(1L, hh.get("cachedFailures"));
        }
    }

    @Test
    void aDeferredMessageShouldSurviveARestartAndGoOnceTheHostIsBack() throws Exception {
        mx1.stopListening();
        mx2.stopListening();
        Path dataDir = Files.createTempDirectory("postroom-outbound");
        try {
            String cfg = outbound("retry-schedule = [1 second]\nfailure-cache = 0\ndelivery-interval = 1 second");
            try (TestEngine engine = TestEngine.startOn(dataDir, cfg)) {
                engine.services().spool().enqueue("alice@example.test", List.of("someone@remote.test"), message(7));
                await().atMost(WAIT).until(() -> engine.metrics().deliveries("deferred") >= 1);
            }
            mx1.listen();
            try (TestEngine engine = TestEngine.startOn(dataDir, cfg)) {
                await().atMost(WAIT).until(() -> mx1.received().size() == 1);
                assertTrue(mx1.received().get(0).text().contains("Subject: engine 7"));
                await().atMost(WAIT).until(() -> engine.metrics().queueMessages().get() == 0);
            }
        } finally {
            TestEngine.deleteRecursively(dataDir);
        }
    }

    @Test
    void aReloadShouldRaiseTheOutboundSessionLimitWithoutStoppingRunningSessions() throws Exception {
        mx1.dataDelay(Duration.ofMillis(300));
        try (TestEngine engine = TestEngine.start(outbound("max-sessions = 1"))) {
            for (int i = 0; i < 8; i++) {
                engine.services().spool().enqueue("alice@example.test", List.of("someone@remote.test"), message(i));
            }
            await().atMost(WAIT).until(() -> mx1.received().size() >= 1);
            assertEquals(1, mx1.maxConcurrentConnections());
            engine.reload(outbound("max-sessions = 3"));
            await().atMost(WAIT).until(() -> mx1.received().size() == 8);
            assertEquals(3, engine.metrics().sessions("smtp-out").limit());
            assertTrue(mx1.maxConcurrentConnections() > 1, "the raised limit started more sessions");
            assertTrue(mx1.maxConcurrentConnections() <= 3);
        }
    }

    @Test
    void aStoppingEngineShouldLetTheSessionFinishTheMessageInHand() throws Exception {
        mx1.dataDelay(Duration.ofMillis(1500));
        Path dataDir = Files.createTempDirectory("postroom-outbound");
        try {
            try (TestEngine engine = TestEngine.startOn(dataDir, outbound("max-sessions = 1"))) {
                engine.services().spool().enqueue("alice@example.test", List.of("someone@remote.test"), message(1));
                engine.services().spool().enqueue("alice@example.test", List.of("someone@remote.test"), message(2));
                await().atMost(WAIT).until(() -> mx1.commands().stream().anyMatch(c -> c.endsWith(" DATA")));
            }
            // Stopped while the first message was in the peer's hands: it was finished and recorded.
            assertEquals(1, mx1.received().size());
            assertTrue(mx1.received().get(0).text().contains("Subject: engine 1"));
            try (var files = Files.list(dataDir.resolve("spool"))) {
                assertEquals(1, files.filter(f -> f.toString().endsWith(".env")).count(), "only the second is left");
            }
            mx1.dataDelay(Duration.ZERO);
            try (TestEngine engine = TestEngine.startOn(dataDir, outbound("max-sessions = 1"))) {
                await().atMost(WAIT).until(() -> mx1.received().size() == 2);
                await().atMost(WAIT).until(() -> engine.metrics().queueMessages().get() == 0);
                assertTrue(mx1.received().get(1).text().contains("Subject: engine 2"), "nothing went twice");
            }
        } finally {
            TestEngine.deleteRecursively(dataDir);
        }
    }
}
