package org.postroom.metrics.actors;

import org.apache.pekko.dispatch.Envelope;
import org.apache.pekko.dispatch.MessageQueue;
import org.apache.pekko.dispatch.UnboundedMailbox;
import org.junit.jupiter.api.Test;
import scala.Option;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The counting queue, without an actor system: what goes in, comes out, and what is left at clean-up. */
class InstrumentedMessageQueueTest {

    private static MessageQueue plainQueue() {
        return new UnboundedMailbox().create(Option.empty(), Option.empty());
    }

    private static Envelope envelope(Object message) {
        return new Envelope(message, null);
    }

    @Test
    void depthIsWhatWasEnqueuedAndNotYetDequeued() {
        ActorKindStats stats = new ActorKindStats("worker");
        InstrumentedMessageQueue q = new InstrumentedMessageQueue(plainQueue(), stats);
        q.enqueue(null, envelope("a"));
        q.enqueue(null, envelope("b"));
        q.enqueue(null, envelope("c"));
        assertEquals(3, stats.mailboxDepth());
        assertEquals(3, q.numberOfMessages());
        assertEquals(0, stats.processed());
        assertEquals("a", q.dequeue().message());
        assertEquals("b", q.dequeue().message());
        assertEquals(1, stats.mailboxDepth());
        assertEquals(2, stats.processed());
        assertTrue(q.hasMessages());
    }

    @Test
    void whatAStoppedActorProcessedStaysInTheKindsTotal() {
        ActorKindStats stats = new ActorKindStats("worker");
        InstrumentedMessageQueue q = new InstrumentedMessageQueue(plainQueue(), stats);
        q.enqueue(null, envelope("a"));
        q.dequeue();
        InstrumentedMessageQueue other = new InstrumentedMessageQueue(plainQueue(), stats);
        other.enqueue(null, envelope("b"));
        other.dequeue();
        assertEquals(2, stats.processed());
        q.cleanUp(null, plainQueue());
        assertEquals(2, stats.processed());
        assertEquals(1, stats.live());
    }

    @Test
    void anEmptyDequeueCountsNothing() {
        ActorKindStats stats = new ActorKindStats("worker");
        InstrumentedMessageQueue q = new InstrumentedMessageQueue(plainQueue(), stats);
        assertNull(q.dequeue());
        assertEquals(0, stats.processed());
        assertEquals(0, stats.mailboxDepth());
    }

    @Test
    void liveCountsEachQueueUntilItsCleanUpAndCleanUpOnlyOnce() {
        ActorKindStats stats = new ActorKindStats("worker");
        InstrumentedMessageQueue q1 = new InstrumentedMessageQueue(plainQueue(), stats);
        InstrumentedMessageQueue q2 = new InstrumentedMessageQueue(plainQueue(), stats);
        assertEquals(2, stats.live());
        assertEquals(2, stats.started());
        MessageQueue deadLetters = plainQueue();
        q1.cleanUp(null, deadLetters);
        q1.cleanUp(null, deadLetters);
        assertEquals(1, stats.live());
        assertEquals(2, stats.started());
        q2.cleanUp(null, deadLetters);
        assertEquals(0, stats.live());
    }

    @Test
    void messagesLeftAtCleanUpGoToDeadLettersAndLeaveTheDepthUncountedAsProcessed() {
        ActorKindStats stats = new ActorKindStats("worker");
        InstrumentedMessageQueue q = new InstrumentedMessageQueue(plainQueue(), stats);
        Envelope left = envelope("left");
        q.enqueue(null, left);
        MessageQueue deadLetters = plainQueue();
        q.cleanUp(null, deadLetters);
        assertSame(left, deadLetters.dequeue());
        assertEquals(0, stats.mailboxDepth(), "a dead actor's mailbox is not waiting work");
        assertEquals(0, stats.processed());
    }

    @Test
    void statsOfANewKindAreAnnouncedOnceToTheListener() {
        ActorStats stats = new ActorStats();
        java.util.List<String> seen = new java.util.ArrayList<>();
        stats.kind("early");
        stats.onKind(k -> seen.add(k.kind()));
        stats.kind("late");
        stats.kind("late");
        assertEquals(java.util.List.of("early", "late"), seen);
    }
}
