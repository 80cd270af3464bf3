import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.postroom.metrics.actors.ActorMetrics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Messages per second through typed actors, with Pekko's default typed mailbox ("plain") or with the
 * engine's instrumented mailbox around it ("instrumented"). Two shapes: "one-way" (a thread floods one
 * actor) and "ping-pong" (pairs of actors bounce a message, every hop through a mailbox). Bounded: a
 * fixed number of messages per round, a few rounds. Run through run.sh, one JVM per mode.
 */
public final class ActorMetricsBench {
    record Ping(ActorRef<Ping> replyTo, int left) {}

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        int rounds = Integer.parseInt(args[1]);
        Config base = ConfigFactory.parseString("pekko.loglevel = WARNING, pekko.log-dead-letters = off")
                .withFallback(ConfigFactory.load());
        Config config = mode.equals("instrumented") ? ActorMetrics.systemConfig(base)
                : ConfigFactory.parseString("postroom.actor-metrics.enabled = false").withFallback(base);
        ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "bench", config);
        try {
            System.out.println(mode + " typed mailbox: " + system.settings().config()
                    .getString("pekko.actor.typed.default-mailbox.mailbox-type"));
            report(mode, "queue-only", run(rounds, () -> queueOnly(system, mode, 5_000_000)));
            report(mode, "one-way", run(rounds, () -> oneWay(system, 2_000_000)));
            report(mode, "ping-pong", run(rounds, () -> pingPong(system, 8, 200_000)));
        } finally {
            system.terminate();
            system.getWhenTerminated().toCompletableFuture().get(20, TimeUnit.SECONDS);
        }
    }

    interface Round {
        double messagesPerSecond() throws Exception;
    }

    static double[] run(int rounds, Round round) throws Exception {
        for (int i = 0; i < 2; i++) {
            round.messagesPerSecond(); // warm-up
        }
        double[] out = new double[rounds];
        for (int i = 0; i < rounds; i++) {
            out[i] = round.messagesPerSecond();
        }
        return out;
    }

    static void report(String mode, String shape, double[] rates) {
        double[] sorted = rates.clone();
        Arrays.sort(sorted);
        System.out.printf("RESULT %s %s median %.0f msg/s (rounds: %s)%n", mode, shape, sorted[sorted.length / 2],
                Arrays.toString(Arrays.stream(rates).mapToLong(Math::round).toArray()));
    }

    /** The mailbox alone, one thread: enqueue then dequeue, no actor, no scheduling: the pure per-message cost. */
    static double queueOnly(ActorSystem<Void> system, String mode, int messages) {
        var classic = org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(system);
        Config section = system.settings().config().getConfig("pekko.actor.typed.default-mailbox");
        org.apache.pekko.dispatch.MailboxType type = mode.equals("instrumented")
                ? new org.postroom.metrics.actors.InstrumentedMailbox(classic.settings(), section)
                : new org.apache.pekko.dispatch.SingleConsumerOnlyUnboundedMailbox(classic.settings(), section);
        org.apache.pekko.dispatch.MessageQueue q = type.create(scala.Option.apply(classic.deadLetters()),
                scala.Option.apply(classic));
        org.apache.pekko.dispatch.Envelope e = new org.apache.pekko.dispatch.Envelope("m", null);
        long start = System.nanoTime();
        long got = 0;
        for (int i = 0; i < messages; i++) {
            q.enqueue(null, e);
            if (q.dequeue() != null) {
                got++;
            }
        }
        long end = System.nanoTime();
        q.cleanUp(classic.deadLetters(), q);
        if (got != messages) {
            throw new IllegalStateException("lost messages");
        }
        return messages / ((end - start) / 1e9);
    }

    static double oneWay(ActorSystem<Void> system, int messages) throws Exception {
        CompletableFuture<Long> done = new CompletableFuture<>();
        Behavior<Integer> counter = Behaviors.setup(ctx -> {
            int[] seen = {0};
            return Behaviors.receiveMessage(m -> {
                if (++seen[0] == messages) {
                    done.complete(System.nanoTime());
                    return Behaviors.stopped();
                }
                return Behaviors.same();
            });
        });
        ActorRef<Integer> target = system.systemActorOf(counter, "one-way-" + System.nanoTime(),
                org.apache.pekko.actor.typed.Props.empty());
        long start = System.nanoTime();
        Integer msg = 1;
        for (int i = 0; i < messages; i++) {
            target.tell(msg);
        }
        long end = done.get(60, TimeUnit.SECONDS);
        return messages / ((end - start) / 1e9);
    }

    static double pingPong(ActorSystem<Void> system, int pairs, int hopsPerPair) throws Exception {
        List<CompletableFuture<Void>> finished = new ArrayList<>();
        List<ActorRef<Ping>> starters = new ArrayList<>();
        List<Ping> firsts = new ArrayList<>();
        for (int p = 0; p < pairs; p++) {
            CompletableFuture<Void> f = new CompletableFuture<>();
            finished.add(f);
            Behavior<Ping> bouncer = Behaviors.setup(ctx -> Behaviors.receiveMessage(ping -> {
                if (ping.left() <= 0) {
                    f.complete(null);
                } else {
                    ping.replyTo().tell(new Ping(ctx.getSelf(), ping.left() - 1));
                }
                return Behaviors.same();
            }));
            String id = p + "-" + System.nanoTime();
            ActorRef<Ping> a = system.systemActorOf(bouncer, "ping-" + id, org.apache.pekko.actor.typed.Props.empty());
            ActorRef<Ping> b = system.systemActorOf(bouncer, "pong-" + id, org.apache.pekko.actor.typed.Props.empty());
            starters.add(a);
            firsts.add(new Ping(b, hopsPerPair));
        }
        long start = System.nanoTime();
        for (int p = 0; p < pairs; p++) {
            starters.get(p).tell(firsts.get(p));
        }
        CompletableFuture.allOf(finished.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
        long end = System.nanoTime();
        return (double) pairs * (hopsPerPair + 1) / ((end - start) / 1e9);
    }
}
