package org.postroom.multipop;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postroom.config.Settings.MultiPopSettings;
import org.postroom.config.Settings.PopSource;
import org.postroom.metrics.Metrics;
import org.postroom.metrics.SessionCounters;
import org.postroom.multipop.client.Pop3Client;
import org.postroom.store.MaildirStore;
import org.postroom.testsupport.FakePop3Server;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Predicate;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The router and its collectors with the ActorTestKit, against {@link FakePop3Server} over loopback. */
class MultiPopRouterIntegrationTest {
    private static final String ALICE = "alice@example.test";
    private static final Duration HOUR = Duration.ofHours(1);
    private static ActorTestKit testKit;

    @TempDir
    Path dataDir;
    private FakePop3Server server;
    private MaildirStore store;
    private Metrics metrics;

    @BeforeAll
    static void startKit() {
        LoggerFactory.getLogger(MultiPopRouterIntegrationTest.class);
        testKit = ActorTestKit.create();
    }

    @AfterAll
    static void stopKit() {
        testKit.shutdownTestKit();
    }

    @BeforeEach
    void setUp() throws IOException {
        server = FakePop3Server.start();
        store = new MaildirStore(dataDir.resolve("mail"), "mail.example.test");
        metrics = new Metrics();
    }

    @AfterEach
    void tearDown() throws IOException {
        server.close();
    }

    private ActorRef<MultiPopRouter.Command> router(int maxSessions, List<PopSource> sources) {
        return testKit.spawn(MultiPopRouter.create(new MultiPopSettings(maxSessions, HOUR, sources), store, dataDir,
                metrics));
    }

    private PopSource source(String user, String password, boolean leave) {
        return new PopSource(ALICE, "127.0.0.1", server.port(), user, password, leave, "none");
    }

    /** Users user1..userN on the fake server, each with {@code perUser} distinct messages; their sources. */
    private List<PopSource> mailboxes(int users, int perUser, boolean leave) {
        List<PopSource> sources = new ArrayList<>();
        for (int u = 1; u <= users; u++) {
            String user = "user" + u;
            server.mailbox(user, "pw-" + u);
            for (int m = 1; m <= perUser; m++) {
                server.message(user, user + "-" + m, text(user, m));
            }
            sources.add(source(user, "pw-" + u, leave));
        }
        return sources;
    }

    private static String text(String user, int m) {
        return "From: " + user + "@remote.example\r\nSubject: " + user + " #" + m + "\r\n\r\nhello " + m + "\r\n";
    }

    private static MultiPopRouter.Status status(ActorRef<MultiPopRouter.Command> router) throws Exception {
        return AskPattern.<MultiPopRouter.Command, MultiPopRouter.Status>ask(router, MultiPopRouter.GetStatus::new,
                Duration.ofSeconds(5), testKit.scheduler()).toCompletableFuture().get();
    }

    private static MultiPopRouter.Status awaitStatus(ActorRef<MultiPopRouter.Command> router,
                                                     Predicate<MultiPopRouter.Status> condition) {
        return await().atMost(Duration.ofSeconds(20)).until(() -> status(router), condition::test);
    }

    private List<String> inbox() throws IOException {
        Path dir = store.inbox(ALICE).resolve("new");
        List<String> texts = new ArrayList<>();
        if (Files.isDirectory(dir)) {
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    texts.add(Files.readString(p, StandardCharsets.ISO_8859_1));
                }
            }
        }
        return texts;
    }

    private static Set<String> expected(int users, int perUser) {
        Set<String> set = new HashSet<>();
        for (int u = 1; u <= users; u++) {
            for (int m = 1; m <= perUser; m++) {
                set.add(text("user" + u, m).replace("\r\n", "\n"));
            }
        }
        return set;
    }

    @Test
    void fifteenSourcesWithThreeSessionsShouldHoldThreeConnectionsAtOnceAndDeliverEveryMessageOnce() throws Exception {
        List<PopSource> sources = mailboxes(15, 2, false);
        // The first three connections wait for each other: if the router opened fewer, the peak shows it.
        server.holdGreetingsUntil(3, Duration.ofSeconds(5));
        ActorRef<MultiPopRouter.Command> router = router(3, sources);

        MultiPopRouter.Status st = awaitStatus(router, s -> s.cyclesCompleted() == 1);
        await().atMost(Duration.ofSeconds(5)).until(() -> metrics.sessions("multipop").active() == 0);

        assertEquals(3, server.peakConnections());
        assertEquals(15, server.totalConnections());
        SessionCounters c = metrics.sessions("multipop");
        assertEquals(3, c.peak());
        assertEquals(3, c.accepted(), "three collectors share the fifteen sources");
        assertEquals(3, c.limit());
        List<String> got = inbox();
        assertEquals(30, got.size());
        assertEquals(expected(15, 2), new HashSet<>(got));
        assertEquals(30.0, metrics.multipopMessages().count());
        for (int u = 1; u <= 15; u++) {
            assertEquals(1, server.logins("user" + u), "user" + u + " collected once");
            assertEquals(List.of(), server.uids("user" + u));
        }
        assertTrue(st.sources().stream().allMatch(s -> s.lastResult().equals("ok") && s.lastMessages() == 2
                && s.runs() == 1 && s.lastRunStarted() != null));
        testKit.stop(router);
    }

    @Test
    void fewerSourcesThanSessionsShouldStartOneCollectorPerSource() throws Exception {
        List<PopSource> sources = mailboxes(2, 1, false);
        ActorRef<MultiPopRouter.Command> router = router(5, sources);
        awaitStatus(router, s -> s.cyclesCompleted() == 1);
        assertEquals(2, metrics.sessions("multipop").accepted());
        assertEquals(2, inbox().size());
        testKit.stop(router);
    }

    @Test
    void eachCycleShouldCollectEachSourceOnceAndNeverOverlapItsPreviousRun() throws Exception {
        List<PopSource> sources = mailboxes(4, 1, false);
        server.holdGreetingsUntil(2, Duration.ofSeconds(5));
        ActorRef<MultiPopRouter.Command> router = router(2, sources);
        // Triggers while the first cycle runs coalesce: a running source is queued once more, never doubled.
        router.tell(new MultiPopRouter.RunNow());
        router.tell(new MultiPopRouter.RunNow());
        MultiPopRouter.Status st = awaitStatus(router, s -> !s.cycleRunning() && s.cyclesCompleted() >= 1);
        for (int u = 1; u <= 4; u++) {
            assertEquals(1, server.peakSessionsOn("user" + u), "no overlapping sessions on user" + u);
            assertTrue(server.logins("user" + u) <= 2, "at most the first run and one coalesced rerun");
        }
        long runsBefore = st.sources().stream().mapToLong(MultiPopRouter.SourceStatus::runs).sum();
        for (int u = 1; u <= 4; u++) {
            server.message("user" + u, "late-" + u, text("user" + u, 99));
        }
        router.tell(new MultiPopRouter.RunNow());
        MultiPopRouter.Status after = awaitStatus(router, s -> !s.cycleRunning()
                && s.sources().stream().mapToLong(MultiPopRouter.SourceStatus::runs).sum() == runsBefore + 4);
        assertTrue(after.sources().stream().allMatch(s -> s.lastResult().equals("ok")));
        assertEquals(8, inbox().size());
        assertEquals(8.0, metrics.multipopMessages().count());
        testKit.stop(router);
    }

    @Test
    void leaveOnServerShouldBeHonouredAcrossARouterRestart() throws Exception {
        List<PopSource> sources = mailboxes(2, 3, true);
        ActorRef<MultiPopRouter.Command> first = router(2, sources);
        awaitStatus(first, s -> s.cyclesCompleted() == 1);
        testKit.stop(first);
        assertEquals(6, inbox().size());

        ActorRef<MultiPopRouter.Command> second = router(2, sources);
        MultiPopRouter.Status st = awaitStatus(second, s -> s.cyclesCompleted() == 1);
        assertEquals(6, inbox().size(), "nothing collected twice after a restart");
        assertTrue(st.sources().stream().allMatch(s -> s.lastResult().equals("ok") && s.lastMessages() == 0));
        assertEquals(3, server.uids("user1").size());

        server.message("user1", "user1-4", text("user1", 4));
        second.tell(new MultiPopRouter.RunNow());
        awaitStatus(second, s -> s.cyclesCompleted() == 2);
        assertEquals(expected(2, 3).size() + 1, inbox().size());
        assertEquals(3, server.logins("user1"), "one login per run: first router, second router, RunNow");
        testKit.stop(second);
    }

    @Test
    void deadSourceAndWrongPasswordShouldBeReportedAndNotStopTheOthers() throws Exception {
        List<PopSource> good = mailboxes(2, 2, false);
        server.mailbox("carol", "right");
        server.message("carol", "c-1", text("carol", 1));
        PopSource wrongPassword = source("carol", "wrong", false);
        PopSource dead = new PopSource(ALICE, "127.0.0.1", FakePop3Server.deadPort(), "dave", "pw", false, "none");
        List<PopSource> sources = List.of(dead, good.get(0), wrongPassword, good.get(1));
        ActorRef<MultiPopRouter.Command> router = router(2, sources);

        MultiPopRouter.Status st = awaitStatus(router, s -> s.cyclesCompleted() == 1);
        assertEquals("failed", st.source(dead.id()).lastResult());
        assertTrue(st.source(dead.id()).lastError().startsWith("connect: connection refused"),
                st.source(dead.id()).lastError());
        assertEquals("failed", st.source(wrongPassword.id()).lastResult());
        assertTrue(st.source(wrongPassword.id()).lastError().startsWith("login: PASS refused"),
                st.source(wrongPassword.id()).lastError());
        for (PopSource g : good) {
            assertEquals("ok", st.source(g.id()).lastResult());
            assertNull(st.source(g.id()).lastError());
        }
        assertEquals(4, inbox().size());
        assertEquals(1, server.uids("carol").size());

        // /status carries the same, merged with the message counter.
        @SuppressWarnings("unchecked")
        Map<String, Object> section = (Map<String, Object>) metrics.status().get("multipop");
        assertEquals(4L, section.get("messages"));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> rows = (List<Map<String, Object>>) section.get("sources");
        assertEquals(4, rows.size());
        assertTrue(rows.stream().anyMatch(r -> r.get("id").equals(dead.id()) && r.get("lastResult").equals("failed")
                && r.get("lastRun") != null));
        assertTrue(rows.stream().noneMatch(r -> r.containsKey("password")));

        // Failing sources are tried again at the next cycle.
        router.tell(new MultiPopRouter.RunNow());
        MultiPopRouter.Status again = awaitStatus(router, s -> s.cyclesCompleted() == 2);
        assertEquals(2, again.source(dead.id()).runs());
        assertEquals(2, again.source(wrongPassword.id()).runs());
        testKit.stop(router);
    }

    @Test
    void zeroSessionsShouldSwitchCollectionOff() throws Exception {
        List<PopSource> sources = mailboxes(2, 1, false);
        ActorRef<MultiPopRouter.Command> router = router(0, sources);
        router.tell(new MultiPopRouter.RunNow());
        MultiPopRouter.Status st = status(router); // answered after the start tick and RunNow were handled
        assertEquals(0, st.cyclesCompleted());
        assertEquals(0, st.collectors());
        assertEquals(0, metrics.sessions("multipop").accepted());
        assertEquals(0, server.totalConnections());
        testKit.stop(router);
    }

    @Test
    void updatedSettingsShouldApplyTheNewLimitAndSources() throws Exception {
        List<PopSource> sources = mailboxes(3, 1, false);
        ActorRef<MultiPopRouter.Command> router = router(0, List.of());
        router.tell(new MultiPopRouter.UpdateSettings(new MultiPopSettings(2, HOUR, sources)));
        router.tell(new MultiPopRouter.RunNow());
        MultiPopRouter.Status st = awaitStatus(router, s -> s.cyclesCompleted() == 1);
        assertEquals(2, st.maxSessions());
        assertEquals(3, st.sources().size());
        assertEquals(2, metrics.sessions("multipop").limit());
        assertEquals(3, inbox().size());
        router.tell(new MultiPopRouter.UpdateSettings(new MultiPopSettings(2, HOUR, sources.subList(0, 1))));
        assertEquals(1, status(router).sources().size());
        testKit.stop(router);
    }

    @Test
    void aCrashedCollectorShouldBeCountedOutAndItsSourceMarkedFailed() throws Exception {
        List<PopSource> sources = mailboxes(2, 1, false);
        SourceCollection collection = new SourceCollection(store, dataDir.resolve("multipop"),
                SourceCollection.connector(new Pop3Client.Options(Duration.ofSeconds(5), Duration.ofSeconds(5), 1 << 20, null)),
                s -> { });
        ActorRef<MultiPopRouter.Command> router = testKit.spawn(MultiPopRouter.create(
                new MultiPopSettings(1, HOUR, sources), collection,
                r -> { throw new RejectedExecutionException("dispatcher gone"); }, metrics, Clock.systemUTC()));

        MultiPopRouter.Status st = awaitStatus(router, s -> s.cyclesCompleted() == 1);
        for (PopSource s : sources) {
            assertEquals("failed", st.source(s.id()).lastResult());
            assertTrue(st.source(s.id()).lastError().contains("collector crashed"), st.source(s.id()).lastError());
        }
        SessionCounters c = metrics.sessions("multipop");
        await().atMost(Duration.ofSeconds(5)).until(() -> c.active() == 0);
        assertEquals(2, c.accepted(), "a new collector replaced the crashed one");
        assertEquals(2, c.failedCount());
        assertEquals(1, c.peak());
        testKit.stop(router);
    }

    @Test
    void aFailingRouterShouldRestartWithItsLatestSettingsAndCountOutItsCollectors() throws Exception {
        List<PopSource> sources = mailboxes(2, 1, false);
        ActorRef<MultiPopRouter.Command> router = router(1, sources);
        awaitStatus(router, s -> s.cyclesCompleted() == 1);
        router.tell(new MultiPopRouter.UpdateSettings(new MultiPopSettings(2, HOUR, sources)));
        assertEquals(2, status(router).maxSessions());
        server.message("user2", "user2-late", text("user2", 7));
        router.tell(new MultiPopRouter.UpdateSettings(null)); // an unexpected failure inside the router

        // Restarted after the back-off with the reloaded settings, and a fresh first cycle.
        MultiPopRouter.Status st = awaitStatus(router, s -> server.logins("user1") == 2 && server.logins("user2") == 2
                && s.cyclesCompleted() == 1 && !s.cycleRunning());
        assertEquals(2, st.maxSessions());
        assertEquals(2, metrics.sessions("multipop").limit());
        assertEquals(List.of(), server.uids("user2"));
        await().atMost(Duration.ofSeconds(5)).until(() -> metrics.sessions("multipop").active() == 0);
        assertEquals(3, inbox().size());
        testKit.stop(router);
    }
}
