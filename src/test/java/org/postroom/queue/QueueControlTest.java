package org.postroom.queue;

import org.postroom.testsupport.MutableClock;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
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
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The operator's queue commands: list, show, flush, retry, delete (QueueActor with the ActorTestKit). */
class QueueControlTest {
    static {
        LoggerFactory.getLogger(QueueControlTest.class);
    }

    private static final ActorTestKit testKit = ActorTestKit.create();
    private static final byte[] BODY = "Subject: quarterly report\r\nFrom: alice@example.test\r\n\r\nhello\r\n"
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
        settings = TestSettings.of(dataDir, "outbound { retry-schedule = [10 minutes], queue-lifetime = 1 day }");
        spool = new FileSpool(dataDir.resolve("spool"), clock);
        metrics = new Metrics();
        store = new MaildirStore(dataDir.resolve("mail"), "mail.example.test");
    }

    private ActorRef<QueueActor.Command> queue() {
        return testKit.spawn(QueueActor.create(settings, spool, store, new Accounts(settings.accounts()), metrics, clock));
    }

    private WorkItem pull(ActorRef<QueueActor.Command> q, TestProbe<QueueActor.PullReply> session) {
        q.tell(new QueueActor.Pull(session.getRef(), null));
        return assertInstanceOf(QueueActor.Work.class, session.receiveMessage()).item();
    }

    private void defer(ActorRef<QueueActor.Command> q, WorkItem item, String reason) {
        Map<String, DeliveryOutcome> outcomes = new java.util.LinkedHashMap<>();
        item.recipients().forEach(r -> outcomes.put(r, new DeliveryOutcome.Deferred(reason)));
        q.tell(new QueueActor.Report(item, outcomes));
    }

    private QueueActor.Listing list(ActorRef<QueueActor.Command> q) {
        TestProbe<QueueActor.Listing> p = testKit.createTestProbe();
        q.tell(new QueueActor.ListQueue(p.getRef()));
        return p.receiveMessage();
    }

    private QueueActor.Listing list(ActorRef<QueueActor.Command> q, String... params) {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < params.length; i += 2) {
            m.put(params[i], params[i + 1]);
        }
        TestProbe<QueueActor.Listing> p = testKit.createTestProbe();
        q.tell(new QueueActor.ListQueue(QueueQuery.parse(m), p.getRef()));
        return p.receiveMessage();
    }

    private static List<String> ids(QueueActor.Listing l) {
        return l.messages().stream().map(QueueActor.MessageView::id).toList();
    }

    private QueueActor.ShowReply show(ActorRef<QueueActor.Command> q, String id) {
        TestProbe<QueueActor.ShowReply> p = testKit.createTestProbe();
        q.tell(new QueueActor.ShowMessage(id, p.getRef()));
        return p.receiveMessage();
    }

    private QueueActor.Controlled control(ActorRef<QueueActor.Command> q, boolean delete, String id) {
        TestProbe<QueueActor.Controlled> p = testKit.createTestProbe();
        q.tell(delete ? new QueueActor.DeleteMessage(id, p.getRef()) : new QueueActor.RetryMessage(id, p.getRef()));
        return p.receiveMessage();
    }

    private int readyCount(ActorRef<QueueActor.Command> q) {
        TestProbe<QueueActor.ReadyCount> p = testKit.createTestProbe();
        q.tell(new QueueActor.CountReady(p.getRef(), false));
        return p.receiveMessage().ready();
    }

    private static Map<String, String> states(QueueActor.MessageView m) {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        m.recipients().forEach(r -> out.put(r.address(), r.state()));
        return out;
    }

    @Test
    void listShouldShowEachMessageWithItsRecipientsStatesAttemptsAndNextAttempt() throws Exception {
        ActorRef<QueueActor.Command> q = queue();
        Instant t0 = clock.instant();
        String id = spool.enqueue("alice@example.test", List.of("x@remote.test", "y@other.test"), BODY);
        TestProbe<QueueActor.PullReply> session = testKit.createTestProbe();
        // Known to the queue once listed (the spool's announcement is asynchronous).
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> list(q).messages().size() == 1);

        WorkItem first = pull(q, session);
        QueueActor.MessageView m = list(q).messages().get(0);
        assertEquals(id, m.id());
        assertEquals("alice@example.test", m.sender());
        assertEquals(BODY.length, m.size());
        assertEquals(t0, m.created());
        assertEquals("in-flight", states(m).get(first.recipients().get(0)));

        defer(q, first, "421 4.4.0 try later");
        m = list(q).messages().get(0);
        QueueActor.RecipientView deferred = m.recipients().stream()
                .filter(r -> r.address().equals(first.recipients().get(0))).findFirst().orElseThrow();
        assertEquals("deferred", deferred.state());
        assertEquals(1, deferred.attempts());
        assertEquals("421 4.4.0 try later", deferred.lastError());
        assertEquals(t0.plus(Duration.ofMinutes(10)), deferred.nextAttempt());
        assertEquals(1, m.attempts());
        assertEquals(t0, m.nextAttempt(), "the other recipient is still due now");
        assertTrue(states(m).containsValue("ready"), states(m).toString());

        WorkItem second = pull(q, session);
        q.tell(new QueueActor.Return(second));
        assertEquals("held", states(list(q).messages().get(0)).get(second.recipients().get(0)));
    }

    @Test
    void aListingQueryShouldFilterOnTheRecipientsLiveStatesAndPageInIdOrder() throws Exception {
        ActorRef<QueueActor.Command> q = queue();
        String a = spool.enqueue("alice@example.test", List.of("x@remote.test"), BODY);
        String b = spool.enqueue("alice@example.test", List.of("y@other.test"), BODY);
        String c = spool.enqueue("alice@example.test", List.of("z@remote.test", "w@other.test"), BODY);
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> list(q).messages().size() == 3);
        assertEquals(List.of(a, b, c), ids(list(q)), "id order is arrival order");
        assertEquals(3, list(q).total());
        assertEquals(java.util.Optional.empty(), list(q).next());

        TestProbe<QueueActor.PullReply> session = testKit.createTestProbe();
        WorkItem deferred = pull(q, session);
        defer(q, deferred, "451 later");
        WorkItem inFlight = pull(q, session);

        QueueActor.Listing d = list(q, "state", "deferred");
        assertEquals(List.of(deferred.queueId()), ids(d));
        assertEquals(1, d.total());
        assertEquals(List.of(inFlight.queueId()), ids(list(q, "state", "in-flight")));
        assertEquals(List.of(a, b, c).stream().filter(id -> !id.equals(deferred.queueId())).toList(),
                ids(list(q, "state", "ready,in-flight")));
        // A selected message is shown with every recipient, also those the filter did not select.
        QueueActor.Listing other = list(q, "domain", "other.test", "limit", "1", "after", b);
        assertEquals(List.of(c), ids(other));
        assertEquals(2, other.messages().get(0).recipients().size());
        assertEquals(2, other.total());

        QueueActor.Listing first = list(q, "limit", "2");
        assertEquals(List.of(a, b), ids(first));
        assertEquals(3, first.total());
        assertEquals(java.util.Optional.of(b), first.next());
        QueueActor.Listing second = list(q, "limit", "2", "after", b);
        assertEquals(List.of(c), ids(second));
        assertEquals(java.util.Optional.empty(), second.next());

        // Deleted: the cursor naming it still works, and it is gone from the listings.
        control(q, true, b);
        assertEquals(List.of(c), ids(list(q, "limit", "2", "after", b)));
        assertEquals(2, list(q, "limit", "1").total());
    }

    @Test
    void showShouldAnswerTheEnvelopeAndHeadersOrUnknownForAnotherId() throws Exception {
        ActorRef<QueueActor.Command> q = queue();
        String id = spool.enqueue("", List.of("x@remote.test"), BODY);
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> list(q).messages().size() == 1);

        QueueActor.Shown shown = assertInstanceOf(QueueActor.Shown.class, show(q, id));
        assertEquals("", shown.message().sender());
        assertEquals("Subject: quarterly report\r\nFrom: alice@example.test\r\n", shown.headers());
        assertEquals(List.of("x@remote.test"), shown.message().recipients().stream()
                .map(QueueActor.RecipientView::address).toList());
        assertEquals(new QueueActor.UnknownMessage("nosuchid"), show(q, "nosuchid"));
    }

    @Test
    void flushShouldMakeEveryDeferredRecipientReadyDurablyAndAnnounceWork() throws Exception {
        ActorRef<QueueActor.Command> q = queue();
        TestProbe<QueueActor.WorkAvailable> router = testKit.createTestProbe();
        q.tell(new QueueActor.Subscribe(router.getRef()));
        String a = spool.enqueue("alice@example.test", List.of("x@remote.test"), BODY);
        String b = spool.enqueue("alice@example.test", List.of("y@other.test", "z@other.test"), BODY);
        router.receiveSeveralMessages(2);
        TestProbe<QueueActor.PullReply> session = testKit.createTestProbe();
        defer(q, pull(q, session), "451 later");
        defer(q, pull(q, session), "451 later");
        assertEquals(0, readyCount(q));

        TestProbe<QueueActor.Flushed> reply = testKit.createTestProbe();
        q.tell(new QueueActor.FlushQueue(reply.getRef()));
        assertEquals(new QueueActor.Flushed(2, 3), reply.receiveMessage());
        router.expectMessageClass(QueueActor.WorkAvailable.class);
        assertEquals(2, readyCount(q));
        list(q).messages().forEach(m -> assertEquals(List.of("ready"),
                m.recipients().stream().map(QueueActor.RecipientView::state).distinct().toList()));
        // Attempts are kept; the new due time is on disk (a restart does not undo the flush).
        for (String id : List.of(a, b)) {
            Envelope env = Envelope.decode(Files.readAllBytes(spool.dir().resolve(id + ".env")));
            assertTrue(env.recipients().stream().allMatch(r -> r.attempts() == 1
                    && !r.nextAttempt().isAfter(clock.instant())), env.toString());
        }
    }

    @Test
    void retryShouldMakeOnlyThatMessageReadyAndAnswerNotFoundForAnUnknownId() throws Exception {
        ActorRef<QueueActor.Command> q = queue();
        String a = spool.enqueue("alice@example.test", List.of("x@remote.test"), BODY);
        spool.enqueue("alice@example.test", List.of("y@other.test"), BODY);
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> list(q).messages().size() == 2);
        TestProbe<QueueActor.PullReply> session = testKit.createTestProbe();
        defer(q, pull(q, session), "451 later");
        defer(q, pull(q, session), "451 later");
        TestProbe<QueueActor.WorkAvailable> router = testKit.createTestProbe();
        q.tell(new QueueActor.Subscribe(router.getRef()));

        assertEquals(new QueueActor.Controlled(a, true, 1), control(q, false, a));
        router.expectMessageClass(QueueActor.WorkAvailable.class);
        assertEquals(1, readyCount(q));
        WorkItem again = pull(q, session);
        assertEquals(a, again.queueId());
        assertEquals(new QueueActor.Controlled("nosuchid", false, 0), control(q, false, "nosuchid"));
    }

    @Test
    void deleteShouldRemoveTheMessageFromTheSpoolWithoutABounce() throws Exception {
        ActorRef<QueueActor.Command> q = queue();
        String id = spool.enqueue("alice@example.test", List.of("x@remote.test", "y@remote.test"), BODY);
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> list(q).messages().size() == 1);
        assertEquals(1, metrics.queueMessages().get());

        assertEquals(new QueueActor.Controlled(id, true, 2), control(q, true, id));
        assertEquals(List.of(), list(q).messages());
        assertEquals(0, metrics.queueMessages().get());
        try (Stream<Path> files = Files.list(spool.dir())) {
            assertEquals(List.of(), files.toList());
        }
        assertFalse(Files.exists(dataDir.resolve("mail/example.test/alice/new"))
                && Files.list(dataDir.resolve("mail/example.test/alice/new")).findAny().isPresent(), "no bounce");
        assertEquals(0.0, metrics.deliveries("bounced"));
        assertEquals(new QueueActor.Controlled(id, false, 0), control(q, true, id));
        assertInstanceOf(QueueActor.UnknownMessage.class, show(q, id));
    }

    @Test
    void aReportForADeletedMessageShouldBeIgnored() throws Exception {
        ActorRef<QueueActor.Command> q = queue();
        String id = spool.enqueue("alice@example.test", List.of("x@remote.test"), BODY);
        TestProbe<QueueActor.PullReply> session = testKit.createTestProbe();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> list(q).messages().size() == 1);
        WorkItem item = pull(q, session);
        control(q, true, id);
        defer(q, item, "451 later");
        assertEquals(List.of(), list(q).messages());
        assertFalse(Files.exists(spool.dir().resolve(id + ".env")));
    }
}
