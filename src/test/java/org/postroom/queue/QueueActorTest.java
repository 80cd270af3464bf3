package org.postroom.queue;

import org.postroom.testsupport.MutableClock;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postroom.auth.Accounts;
import org.postroom.config.Settings;

import org.postroom.metrics.Metrics;
import org.postroom.store.MaildirStore;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

class QueueActorTest {
    static {
        LoggerFactory.getLogger(QueueActorTest.class);
    }

    private static final ActorTestKit testKit = ActorTestKit.create();
    private static final byte[] BODY = "Subject: hi\r\nFrom: alice@example.test\r\n\r\nhello\r\n"
            .getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path dataDir;

    private MutableClock clock;
    private Settings settings;
    private FileSpool spool;
    private Metrics metrics;
    private MaildirStore store;

    @AfterAll
    static void shutdown() {
        testKit.shutdownTestKit();
    }

    @BeforeEach
    void setUp() throws Exception {
        clock = new MutableClock();
        settings = TestSettings.of(dataDir, "outbound { retry-schedule = [1 minute, 5 minutes], queue-lifetime = 1 hour }");
        spool = new FileSpool(dataDir.resolve("spool"), clock);
        metrics = new Metrics();
        store = new MaildirStore(dataDir.resolve("mail"), "mail.example.test");
    }

    private ActorRef<QueueActor.Command> queue() {
        return testKit.spawn(QueueActor.create(settings, spool, store, new Accounts(settings.accounts()), metrics, clock));
    }

    private QueueActor.PullReply pull(ActorRef<QueueActor.Command> q, String preferred) {
        TestProbe<QueueActor.PullReply> p = testKit.createTestProbe();
        q.tell(new QueueActor.Pull(p.getRef(), preferred));
        return p.receiveMessage();
    }

    private WorkItem work(ActorRef<QueueActor.Command> q) {
        return assertInstanceOf(QueueActor.Work.class, pull(q, null)).item();
    }

    private int ready(ActorRef<QueueActor.Command> q, boolean newCycle) {
        TestProbe<QueueActor.ReadyCount> p = testKit.createTestProbe();
        q.tell(new QueueActor.CountReady(p.getRef(), newCycle));
        return p.receiveMessage().ready();
    }

    private Envelope inspect(ActorRef<QueueActor.Command> q, String id) {
        TestProbe<Optional<Envelope>> p = testKit.createTestProbe();
        q.tell(new QueueActor.Inspect(id, p.getRef()));
        return p.receiveMessage().orElse(null);
    }

    private static Map<String, DeliveryOutcome> each(WorkItem item, DeliveryOutcome o) {
        Map<String, DeliveryOutcome> m = new java.util.LinkedHashMap<>();
        item.recipients().forEach(r -> m.put(r, o));
        return m;
    }

    private long filesIn(Path dir) throws Exception {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.count();
        }
    }

    @Test
    void pullShouldHandOutOneDomainOfOneMessageAtATimeAndAnnounceNewMail() throws Exception {
        ActorRef<QueueActor.Command> q = queue();
        TestProbe<QueueActor.WorkAvailable> listener = testKit.createTestProbe();
        q.tell(new QueueActor.Subscribe(listener.getRef()));
        String id = spool.enqueue("alice@example.test", List.of("x@remote.test", "y@remote.test", "z@other.test"), BODY);
        listener.expectMessageClass(QueueActor.WorkAvailable.class);
        assertEquals(2, ready(q, false));

        WorkItem first = assertInstanceOf(QueueActor.Work.class, pull(q, "other.test")).item();
        assertEquals(new WorkItem(id, "alice@example.test", "other.test", List.of("z@other.test"), BODY.length), first);
        WorkItem second = work(q);
        assertEquals(List.of("x@remote.test", "y@remote.test"), second.recipients());
        assertInstanceOf(QueueActor.NothingReady.class, pull(q, null));
        assertEquals(1, metrics.queueMessages().get());

        q.tell(new QueueActor.Report(first, each(first, new DeliveryOutcome.Delivered("250 ok"))));
        q.tell(new QueueActor.Report(second, each(second, new DeliveryOutcome.Delivered("250 ok"))));
        await().atMost(Duration.ofSeconds(5)).until(() -> metrics.queueMessages().get() == 0);
        assertEquals(0, filesIn(spool.dir()));
        assertEquals(3.0, metrics.deliveries("delivered"));
    }

    @Test
    void aDeferredRecipientShouldFollowTheRetryScheduleWhoseLastStepRepeats() throws Exception {
        ActorRef<QueueActor.Command> q = queue();
        String id = spool.enqueue("alice@example.test", List.of("x@remote.test"), BODY);
        for (Duration step : List.of(Duration.ofMinutes(1), Duration.ofMinutes(5), Duration.ofMinutes(5))) {
            WorkItem item = work(q);
            q.tell(new QueueActor.Report(item, each(item, new DeliveryOutcome.Deferred("451 4.3.0 later"))));
            assertEquals(0, ready(q, false));
            clock.advance(step.minusSeconds(1));
            assertEquals(0, ready(q, false));
            clock.advance(Duration.ofSeconds(1));
            assertEquals(1, ready(q, false));
        }
        Envelope env = inspect(q, id);
        assertEquals(3, env.recipients().get(0).attempts());
        @SuppressWarnings("unchecked")
        Map<String, Object> status = (Map<String, Object>) metrics.status().get("queue");
        assertEquals(1L, status.get("messages"));
        assertEquals(1, status.get("recipientsDeferred"));
        assertEquals("451 4.3.0 later", env.recipients().get(0).lastError());
        assertEquals(3.0, metrics.deliveries("deferred"));
    }

    @Test
    void aReturnedItemShouldWaitForTheNextCycleWithoutUsingARetryStep() throws Exception {
        ActorRef<QueueActor.Command> q = queue();
        String id = spool.enqueue("alice@example.test", List.of("x@remote.test"), BODY);
        WorkItem item = work(q);
        q.tell(new QueueActor.Return(item));
        assertInstanceOf(QueueActor.NothingReady.class, pull(q, null));
        assertEquals(0, ready(q, false));
        assertEquals(1, ready(q, true));
        assertEquals(0, inspect(q, id).recipients().get(0).attempts());
    }

    @Test
    void aPermanentFailureShouldBounceIntoTheLocalSendersMaildir() throws Exception {
        ActorRef<QueueActor.Command> q = queue();
        spool.enqueue("alice@example.test", List.of("x@remote.test", "y@remote.test"), BODY);
        WorkItem item = work(q);
        q.tell(new QueueActor.Report(item, Map.of(
                "x@remote.test", new DeliveryOutcome.Failed("550 5.1.1 no such user"),
                "y@remote.test", new DeliveryOutcome.Delivered("250 ok"))));
        Path newDir = store.inbox("alice@example.test").resolve("new");
        await().atMost(Duration.ofSeconds(5)).until(() -> filesIn(newDir) == 1);
        String dsn;
        try (Stream<Path> s = Files.list(newDir)) {
            dsn = Files.readString(s.findFirst().orElseThrow());
        }
        assertTrue(dsn.contains("multipart/report"), dsn);
        assertTrue(dsn.contains("Final-Recipient: rfc822; x@remote.test"), dsn);
        assertTrue(!dsn.contains("Final-Recipient: rfc822; y@remote.test"), dsn);
        assertTrue(!dsn.contains("\r\n"), "Maildir files use LF line ends");
        assertEquals(1.0, metrics.deliveries("bounced"));
        assertEquals(0, metrics.queueMessages().get());
    }

    @Test
    void aRemoteSenderShouldGetItsBounceQueuedWithTheNullSenderAndTheNullSenderNone() throws Exception {
        ActorRef<QueueActor.Command> q = queue();
        spool.enqueue("carol@remote.test", List.of("x@far.test"), BODY);
        WorkItem item = work(q);
        q.tell(new QueueActor.Report(item, each(item, new DeliveryOutcome.Failed("550 5.1.1 unknown"))));
        WorkItem bounce = work(q);
        assertEquals("", bounce.sender());
        assertEquals(List.of("carol@remote.test"), bounce.recipients());
        q.tell(new QueueActor.Report(bounce, each(bounce, new DeliveryOutcome.Failed("550 5.1.1 unknown"))));
        assertInstanceOf(QueueActor.NothingReady.class, pull(q, null));
        assertEquals(0, metrics.queueMessages().get());
    }

    @Test
    void aMessagePastTheQueueLifetimeShouldFailAndBounce() throws Exception {
        ActorRef<QueueActor.Command> q = queue();
        spool.enqueue("alice@example.test", List.of("x@remote.test"), BODY);
        WorkItem item = work(q);
        q.tell(new QueueActor.Report(item, each(item, new DeliveryOutcome.Deferred("421 4.4.2 timeout"))));
        clock.advance(Duration.ofHours(1));
        assertEquals(0, ready(q, true));
        assertEquals(0, metrics.queueMessages().get());
        Path newDir = store.inbox("alice@example.test").resolve("new");
        await().atMost(Duration.ofSeconds(5)).until(() -> filesIn(newDir) == 1);
        assertEquals(1.0, metrics.deliveries("bounced"));
    }

    @Test
    void aRestartedQueueShouldRecoverEveryEntryAndItsStateFromDisk() throws Exception {
        ActorRef<QueueActor.Command> q = queue();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(spool.enqueue("alice@example.test", List.of("r" + i + "@remote.test"), BODY));
        }
        WorkItem item = work(q);
        q.tell(new QueueActor.Report(item, each(item, new DeliveryOutcome.Deferred("451 later"))));
        WorkItem leased = work(q);
        assertEquals(3, ready(q, false));
        testKit.stop(q);

        ActorRef<QueueActor.Command> again = queue();
        // The deferral was persisted; the lease (in flight when the queue stopped) is ready again.
        assertEquals(4, ready(again, false));
        assertEquals(1, inspect(again, item.queueId()).recipients().get(0).attempts());
        assertEquals(0, inspect(again, leased.queueId()).recipients().get(0).attempts());
        assertEquals(5, metrics.queueMessages().get());
    }

    @Test
    void aPullerThatDiesShouldHaveItsLeaseReleased() throws Exception {
        ActorRef<QueueActor.Command> q = queue();
        spool.enqueue("alice@example.test", List.of("x@remote.test"), BODY);
        Behavior<QueueActor.PullReply> dying = Behaviors.receiveMessage(m -> Behaviors.stopped());
        ActorRef<QueueActor.PullReply> puller = testKit.spawn(dying);
        q.tell(new QueueActor.Pull(puller, null));
        TestProbe<Void> watcher = testKit.createTestProbe();
        watcher.expectTerminated(puller, Duration.ofSeconds(5));
        await().atMost(Duration.ofSeconds(5)).until(() -> ready(q, false) == 1);
    }

    @Test
    void aReservedSessionShouldCountAsTakingOneReadyItemUntilItPulls() throws Exception {
        ActorRef<QueueActor.Command> q = queue();
        spool.enqueue("alice@example.test", List.of("x@remote.test"), BODY);
        spool.enqueue("alice@example.test", List.of("y@remote.test"), BODY);
        assertEquals(2, ready(q, false));
        TestProbe<QueueActor.PullReply> session = testKit.createTestProbe();
        q.tell(new QueueActor.Reserve(session.getRef()));
        assertEquals(1, ready(q, false));
        q.tell(new QueueActor.Pull(session.getRef(), null, session.getRef()));
        session.expectMessageClass(QueueActor.Work.class);
        assertEquals(1, ready(q, false));
        // A reservation arriving after the session's first pull changes nothing.
        q.tell(new QueueActor.Reserve(session.getRef()));
        assertEquals(1, ready(q, false));
        TestProbe<QueueActor.PullReply> stopped = testKit.createTestProbe();
        q.tell(new QueueActor.Reserve(stopped.getRef()));
        assertEquals(0, ready(q, false));
        stopped.stop();
        await().atMost(Duration.ofSeconds(5)).until(() -> ready(q, false) == 1);
    }

    @Test
    void aPullForSeveralShouldGetOneDomainsItemsCutToAQuarterOfAnEvenShare() throws Exception {
        settings = TestSettings.of(dataDir, "outbound { max-sessions = 2 }");
        ActorRef<QueueActor.Command> q = queue();
        // Enqueued into the running queue, so its order is the order of arrival.
        spool.enqueue("alice@example.test", List.of("z@other.test"), BODY);
        for (int i = 0; i < 40; i++) {
            spool.enqueue("alice@example.test", List.of("x" + i + "@remote.test"), BODY);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> ready(q, false) == 41);
        TestProbe<QueueActor.PullReply> session = testKit.createTestProbe();

        // 41 ready, 2 sessions: a quarter of the even share is 5; all for the domain asked for.
        q.tell(new QueueActor.Pull(session.getRef(), "remote.test", session.getRef(), 16));
        List<WorkItem> batch = session.expectMessageClass(QueueActor.Work.class).items();
        assertEquals(5, batch.size());
        assertTrue(batch.stream().allMatch(w -> w.domain().equals("remote.test")), batch.toString());
        assertEquals(5, batch.stream().map(WorkItem::queueId).distinct().count());
        assertEquals(36, ready(q, false), "each item of the batch is leased");

        // Never more than asked for.
        q.tell(new QueueActor.Pull(session.getRef(), "remote.test", session.getRef(), 2));
        assertEquals(2, session.expectMessageClass(QueueActor.Work.class).items().size());

        // Without a preference the first ready item's domain makes the batch: here a single one.
        q.tell(new QueueActor.Pull(session.getRef(), null, session.getRef(), 16));
        List<WorkItem> other = session.expectMessageClass(QueueActor.Work.class).items();
        assertEquals(List.of("other.test"), other.stream().map(WorkItem::domain).toList());

        // One report for several items: each applied, the delivered ones leave the spool.
        List<QueueActor.Report> reports = new java.util.ArrayList<>();
        for (WorkItem w : batch) {
            reports.add(new QueueActor.Report(w, each(w, new DeliveryOutcome.Delivered("250 ok"))));
        }
        q.tell(new QueueActor.Reports(reports));
        await().atMost(Duration.ofSeconds(5)).until(() -> metrics.queueMessages().get() == 36);
        assertEquals(5.0, metrics.deliveries("delivered"));
        assertEquals(null, inspect(q, batch.get(0).queueId()));
    }

    @Test
    void aPullForSeveralShouldGetOneAtATimeWhenTheReadyWorkIsSmallForTheSessions() throws Exception {
        settings = TestSettings.of(dataDir, "outbound { max-sessions = 5 }");
        ActorRef<QueueActor.Command> q = queue();
        for (int i = 0; i < 20; i++) {
            spool.enqueue("alice@example.test", List.of("x" + i + "@remote.test"), BODY);
        }
        assertEquals(20, ready(q, false));
        TestProbe<QueueActor.PullReply> session = testKit.createTestProbe();
        q.tell(new QueueActor.Pull(session.getRef(), null, session.getRef(), 16));
        assertEquals(1, session.expectMessageClass(QueueActor.Work.class).items().size(),
                "20 ready for 5 sessions: one each at a time, so 5 sessions take 4 each");
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> status() {
        return (Map<String, Object>) metrics.status().get("queue");
    }

    @Test
    void theStatusFiguresShouldFollowEveryChange() throws Exception {
        ActorRef<QueueActor.Command> q = queue();
        spool.enqueue("alice@example.test", List.of("a@remote.test", "b@other.test"), BODY);
        clock.advance(Duration.ofSeconds(1));
        String second = spool.enqueue("alice@example.test", List.of("c@remote.test"), BODY);
        clock.advance(Duration.ofSeconds(1));
        String third = spool.enqueue("alice@example.test", List.of("d@remote.test"), BODY);
        await().atMost(Duration.ofSeconds(5)).until(() -> ready(q, false) == 4);
        assertEquals(3L, status().get("messages"));
        assertEquals(4, status().get("recipientsPending"));
        String firstCreated = (String) status().get("oldest");

        // The first message: one recipient delivered, one deferred, in one Reports.
        TestProbe<QueueActor.PullReply> session = testKit.createTestProbe();
        q.tell(new QueueActor.Pull(session.getRef(), "other.test", session.getRef(), 1));
        WorkItem other = session.expectMessageClass(QueueActor.Work.class).item();
        WorkItem remote = work(q);
        assertEquals(other.queueId(), remote.queueId());
        q.tell(new QueueActor.Reports(List.of(
                new QueueActor.Report(remote, each(remote, new DeliveryOutcome.Delivered("250 ok"))),
                new QueueActor.Report(other, each(other, new DeliveryOutcome.Deferred("451 later"))))));
        await().atMost(Duration.ofSeconds(5)).until(() -> status().get("recipientsPending").equals(3));
        assertEquals(1, status().get("recipientsDeferred"));
        assertEquals(firstCreated, status().get("oldest"), "the first message is still queued");

        // Deleting it makes the second the oldest; delivering the third leaves only the second.
        TestProbe<QueueActor.Controlled> operator = testKit.createTestProbe();
        q.tell(new QueueActor.DeleteMessage(remote.queueId(), operator.getRef()));
        operator.receiveMessage();
        assertEquals(2L, status().get("messages"));
        assertEquals(2, status().get("recipientsPending"));
        assertEquals(0, status().get("recipientsDeferred"));
        assertEquals(inspect(q, second).created().toString(), status().get("oldest"));
        assertEquals(second, work(q).queueId());
        WorkItem done = work(q);
        assertEquals(third, done.queueId());
        q.tell(new QueueActor.Report(done, each(done, new DeliveryOutcome.Delivered("250 ok"))));
        await().atMost(Duration.ofSeconds(5)).until(() -> status().get("messages").equals(1L));
        assertEquals(1, status().get("recipientsPending"));
        assertEquals(inspect(q, second).created().toString(), status().get("oldest"));
    }
}
