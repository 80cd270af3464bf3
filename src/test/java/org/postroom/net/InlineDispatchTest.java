package org.postroom.net;

import com.typesafe.config.ConfigFactory;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * The inline executor on a real dispatcher: a message sent inside {@link InlineDispatch#allowing} is
 * processed on the sending thread; outside it, and for a second actor woken by the first one while it
 * runs inline, on the pool.
 */
class InlineDispatchTest {

    private static ActorTestKit testKit;

    @BeforeAll
    static void start() {
        testKit = ActorTestKit.create(ConfigFactory.parseString(
                "pekko.actor.default-dispatcher.executor = \"org.postroom.net.InlineExecutorConfigurator\"")
                .withFallback(ConfigFactory.load()));
    }

    @AfterAll
    static void stop() {
        testKit.shutdownTestKit();
    }

    /** Tells its probe which thread ran it, then (if asked) wakes the next actor. */
    private record Ping(ActorRef<Ping> forward) {}

    private static Behavior<Ping> recorder(ActorRef<String> probe) {
        return Behaviors.receiveMessage(ping -> {
            probe.tell(Thread.currentThread().getName());
            if (ping.forward() != null) {
                ping.forward().tell(new Ping(null));
            }
            return Behaviors.same();
        });
    }

    @Test
    void aMessageSentInsideAllowingShouldBeProcessedOnTheSendingThread() {
        TestProbe<String> probe = testKit.createTestProbe();
        ActorRef<Ping> actor = testKit.spawn(recorder(probe.getRef()));
        // Let the actor start (its first run may be scheduled on the pool).
        actor.tell(new Ping(null));
        probe.receiveMessage();
        Thread thread = new Thread(() -> InlineDispatch.allowing(() -> actor.tell(new Ping(null))), "inline-sender");
        thread.start();
        assertEquals("inline-sender", probe.receiveMessage());
    }

    @Test
    void aMessageSentOutsideAllowingShouldGoToThePool() throws InterruptedException {
        TestProbe<String> probe = testKit.createTestProbe();
        ActorRef<Ping> actor = testKit.spawn(recorder(probe.getRef()));
        Thread thread = new Thread(() -> actor.tell(new Ping(null)), "plain-sender");
        thread.start();
        thread.join();
        assertNotEquals("plain-sender", probe.receiveMessage());
    }

    @Test
    void workWokenWhileRunningInlineShouldNotNestOnTheSameThread() {
        TestProbe<String> firstProbe = testKit.createTestProbe();
        TestProbe<String> secondProbe = testKit.createTestProbe();
        ActorRef<Ping> first = testKit.spawn(recorder(firstProbe.getRef()));
        ActorRef<Ping> second = testKit.spawn(recorder(secondProbe.getRef()));
        first.tell(new Ping(null));
        second.tell(new Ping(null));
        firstProbe.receiveMessage();
        secondProbe.receiveMessage();
        Thread thread = new Thread(() -> InlineDispatch.allowing(() -> first.tell(new Ping(second))), "inline-sender");
        thread.start();
        assertEquals("inline-sender", firstProbe.receiveMessage());
        assertNotEquals("inline-sender", secondProbe.receiveMessage());
    }
}
