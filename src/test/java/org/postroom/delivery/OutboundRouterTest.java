package org.postroom.delivery;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.postroom.metrics.SessionCounters;
import org.postroom.queue.QueueActor;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

class OutboundRouterTest {
    static {
        LoggerFactory.getLogger(OutboundRouterTest.class);
    }

    private static final ActorTestKit testKit = ActorTestKit.create();

    @AfterAll
    static void shutdown() {
        testKit.shutdownTestKit();
    }

    /** A queue that only answers how much is ready, and remembers its subscriber. */
    private static Behavior<QueueActor.Command> fakeQueue(AtomicInteger ready,
                                                          AtomicReference<ActorRef<QueueActor.WorkAvailable>> sub) {
        return Behaviors.receiveMessage(m -> {
            if (m instanceof QueueActor.CountReady c) {
                c.replyTo().tell(new QueueActor.ReadyCount(ready.get()));
            } else if (m instanceof QueueActor.Subscribe s) {
                sub.set(s.listener());
            }
            return Behaviors.same();
        });
    }

    /** A session that announces itself and stops when told anything. */
    private static Behavior<?> session(TestProbe<ActorRef<String>> started) {
        return Behaviors.<String>setup(ctx -> {
            started.getRef().tell(ctx.getSelf());
            return Behaviors.receiveMessage(m -> Behaviors.stopped());
        });
    }

    @Test
    void theRouterShouldNeverRunMoreSessionsThanTheLimitAndTopUpWhenOneEnds() {
        AtomicInteger ready = new AtomicInteger(20);
        AtomicReference<ActorRef<QueueActor.WorkAvailable>> sub = new AtomicReference<>();
        ActorRef<QueueActor.Command> queue = testKit.spawn(fakeQueue(ready, sub));
        TestProbe<ActorRef<String>> started = testKit.createTestProbe();
        SessionCounters counters = new SessionCounters("smtp-out");
        ActorRef<OutboundRouter.Command> router = testKit.spawn(OutboundRouter.create(5, Duration.ofHours(1), queue,
                counters, () -> session(started)));

        List<ActorRef<String>> sessions = started.receiveSeveralMessages(5);
        // More cycles and more "work available" must not start more while five run.
        router.tell(new OutboundRouter.Cycle(true));
        await().atMost(Duration.ofSeconds(5)).until(() -> sub.get() != null);
        sub.get().tell(new QueueActor.WorkAvailable());
        router.tell(new OutboundRouter.Cycle(false));
        started.expectNoMessage(Duration.ofMillis(300));
        assertEquals(5, counters.active());
        assertEquals(5, counters.accepted());
        assertEquals(5, counters.limit());

        sessions.get(0).tell("stop");
        started.receiveMessage();
        await().atMost(Duration.ofSeconds(5)).until(() -> counters.accepted() == 6);
        assertEquals(5, counters.active());
        assertEquals(5, counters.peak());
    }

    @Test
    void theRouterShouldStartNoMoreSessionsThanThereIsWork() {
        AtomicInteger ready = new AtomicInteger(2);
        AtomicReference<ActorRef<QueueActor.WorkAvailable>> sub = new AtomicReference<>();
        ActorRef<QueueActor.Command> queue = testKit.spawn(fakeQueue(ready, sub));
        TestProbe<ActorRef<String>> started = testKit.createTestProbe();
        SessionCounters counters = new SessionCounters("smtp-out");
        testKit.spawn(OutboundRouter.create(5, Duration.ofHours(1), queue, counters, () -> session(started)));
        started.receiveSeveralMessages(2);
        started.expectNoMessage(Duration.ofMillis(300));

        // New mail tops up at once, without waiting for the delivery interval.
        ready.set(10);
        await().atMost(Duration.ofSeconds(5)).until(() -> sub.get() != null);
        sub.get().tell(new QueueActor.WorkAvailable());
        started.receiveSeveralMessages(3);
        started.expectNoMessage(Duration.ofMillis(300));
        assertEquals(5, counters.active());
    }

    @Test
    void aRaisedLimitShouldTopUpAtOnce() {
        AtomicInteger ready = new AtomicInteger(20);
        ActorRef<QueueActor.Command> queue = testKit.spawn(fakeQueue(ready, new AtomicReference<>()));
        TestProbe<ActorRef<String>> started = testKit.createTestProbe();
        SessionCounters counters = new SessionCounters("smtp-out");
        ActorRef<OutboundRouter.Command> router = testKit.spawn(OutboundRouter.create(2, Duration.ofHours(1), queue,
                counters, () -> session(started)));
        started.receiveSeveralMessages(2);
        router.tell(new OutboundRouter.UpdateLimit(4));
        started.receiveSeveralMessages(2);
        started.expectNoMessage(Duration.ofMillis(300));
        assertEquals(4, counters.limit());
        assertEquals(4, counters.active());
    }

    @Test
    void theDeliveryIntervalShouldStartANewCycle() {
        AtomicInteger ready = new AtomicInteger(0);
        AtomicReference<ActorRef<QueueActor.WorkAvailable>> sub = new AtomicReference<>();
        ActorRef<QueueActor.Command> queue = testKit.spawn(fakeQueue(ready, sub));
        TestProbe<ActorRef<String>> started = testKit.createTestProbe();
        testKit.spawn(OutboundRouter.create(3, Duration.ofMillis(200), queue, new SessionCounters("smtp-out"),
                () -> session(started)));
        started.expectNoMessage(Duration.ofMillis(300));
        ready.set(1);
        started.receiveMessage(Duration.ofSeconds(3));
    }
}
