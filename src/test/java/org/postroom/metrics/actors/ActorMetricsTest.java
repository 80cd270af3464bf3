package org.postroom.metrics.actors;

import com.typesafe.config.ConfigFactory;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.Test;
import org.postroom.metrics.Metrics;
import org.slf4j.LoggerFactory;

import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The instrumented mailbox in a real actor system configured as the engine's is: actors named
 * as the engine names them are counted under their kind in /metrics, /status and JMX.
 */
class ActorMetricsTest {
    static {
        LoggerFactory.getLogger(ActorMetricsTest.class);
    }

    sealed interface Cmd {}

    record Work(CountDownLatch hold) implements Cmd {}

    record SpawnSessions(int n, ActorRef<List<ActorRef<Cmd>>> replyTo) implements Cmd {}

    enum Stop implements Cmd { INSTANCE }

    /** Stands in for a session actor: works (optionally blocking on a latch) and stops when told. */
    static Behavior<Cmd> session() {
        return Behaviors.receive(Cmd.class)
                .onMessage(Work.class, w -> {
                    if (w.hold() != null) {
                        w.hold().await(10, TimeUnit.SECONDS);
                    }
                    return Behaviors.same();
                })
                .onMessageEquals(Stop.INSTANCE, Behaviors::stopped)
                .build();
    }

    private static ActorTestKit testKit(String jmxDomain) {
        return ActorTestKit.create("actor-metrics-test", ActorMetrics.systemConfig(ConfigFactory.parseString(
                "postroom.actor-metrics.jmx-domain = \"" + jmxDomain + "\"").withFallback(ConfigFactory.load())));
    }

    /** Stands in for an inbound guardian: spawns sessions named {@code smtp-N}. */
    private static Behavior<Cmd> spawningGuardian() {
        return Behaviors.setup(ctx -> {
            int[] seq = {0};
            return Behaviors.receive(Cmd.class)
                    .onMessage(SpawnSessions.class, m -> {
                        List<ActorRef<Cmd>> refs = new ArrayList<>();
                        for (int i = 0; i < m.n(); i++) {
                            refs.add(ctx.spawn(session(), "smtp-" + (++seq[0])));
                        }
                        m.replyTo().tell(refs);
                        return Behaviors.same();
                    })
                    .build();
        });
    }

    @Test
    void sessionsAreCountedLiveWithTheirMessagesUnderTheirKindAndCountedOutWhenTheyStop() {
        ActorTestKit kit = testKit("postroom-test-a");
        try {
            Metrics metrics = new Metrics();
            ActorStats stats = ActorMetrics.install(kit.system(), metrics);
            ActorRef<Cmd> guardian = kit.spawn(spawningGuardian(), "inbound-smtp");
            var probe = kit.<List<ActorRef<Cmd>>>createTestProbe();
            guardian.tell(new SpawnSessions(3, probe.getRef()));
            List<ActorRef<Cmd>> sessions = probe.receiveMessage(Duration.ofSeconds(5));
            for (int i = 0; i < 10; i++) {
                sessions.forEach(s -> s.tell(new Work(null)));
            }
            ActorKindStats smtp = stats.kind("smtp-session");
            await().atMost(Duration.ofSeconds(10)).until(() -> smtp.processed() >= 30);
            assertEquals(3, smtp.live());
            assertEquals(1, stats.kind("InboundGuardian").live());
            String scrape = metrics.scrape();
            assertTrue(scrape.contains("postroom_actors_live{actor=\"smtp-session\"} 3.0"), scrape);
            assertTrue(scrape.contains("postroom_actor_messages_total{actor=\"smtp-session\"} 30.0"), scrape);
            assertTrue(scrape.contains("postroom_actor_mailbox_depth{actor=\"smtp-session\"} 0.0"), scrape);
            assertTrue(scrape.contains("postroom_actors_live{actor=\"HostHealth\"} 0.0"),
                    "every kind the rules name is there from the start");

            sessions.forEach(s -> s.tell(Stop.INSTANCE));
            await().atMost(Duration.ofSeconds(10)).until(() -> smtp.live() == 0);
            assertTrue(metrics.scrape().contains("postroom_actors_live{actor=\"smtp-session\"} 0.0"));
            assertEquals(3, smtp.started());

            @SuppressWarnings("unchecked")
            Map<String, Map<String, Object>> section = (Map<String, Map<String, Object>>) metrics.status().get("actors");
            assertEquals(0L, section.get("smtp-session").get("live"));
            assertEquals(33L, ((Long) section.get("smtp-session").get("messages")) , "30 work + 3 stop");
        } finally {
            kit.shutdownTestKit();
        }
    }

    @Test
    void messagesWaitingBehindABusyActorShowAsMailboxDepth() {
        ActorTestKit kit = testKit("postroom-test-b");
        CountDownLatch hold = new CountDownLatch(1);
        try {
            ActorStats stats = ActorMetrics.install(kit.system(), new Metrics());
            ActorRef<Cmd> guardian = kit.spawn(spawningGuardian(), "inbound-pop3");
            var probe = kit.<List<ActorRef<Cmd>>>createTestProbe();
            guardian.tell(new SpawnSessions(1, probe.getRef()));
            ActorRef<Cmd> busy = probe.receiveMessage(Duration.ofSeconds(5)).get(0);
            ActorKindStats pop3 = stats.kind("pop3-session");
            busy.tell(new Work(hold));
            await().atMost(Duration.ofSeconds(10)).until(() -> pop3.processed() == 1);
            for (int i = 0; i < 5; i++) {
                busy.tell(new Work(null));
            }
            assertEquals(5, pop3.mailboxDepth());
            hold.countDown();
            await().atMost(Duration.ofSeconds(10)).until(() -> pop3.mailboxDepth() == 0 && pop3.processed() == 6);
        } finally {
            hold.countDown();
            kit.shutdownTestKit();
        }
    }

    @Test
    void everySeriesIsShownOverJmxUnderTheConfiguredDomainUntilTheSystemStops() throws Exception {
        ActorTestKit kit = testKit("postroom-test-jmx");
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName all = new ObjectName("postroom-test-jmx:*");
        try {
            ActorMetrics.install(kit.system(), new Metrics());
            var names = server.queryNames(all, null).toString();
            assertTrue(names.contains("postroomActorsLive.actor.EngineGuardian"), names);
            assertTrue(names.contains("postroomSessionsLimit.kind.smtp"), "contract series too: " + names);
            ObjectName live = server.queryNames(all, null).stream()
                    .filter(n -> n.toString().contains("postroomActorsLive.actor.EngineGuardian")).findFirst().orElseThrow();
            assertEquals(1.0, ((Number) server.getAttribute(live, "Value")).doubleValue());
        } finally {
            kit.shutdownTestKit();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> server.queryNames(all, null).isEmpty());
    }

    @Test
    void theSystemConfigWrapsBothDefaultMailboxesAndKeepsTheirQueuesAsDelegates() {
        var root = ConfigFactory.load();
        var config = ActorMetrics.systemConfig(root);
        assertEquals(InstrumentedMailbox.class.getName(), config.getString("pekko.actor.typed.default-mailbox.mailbox-type"));
        assertEquals(root.getString("pekko.actor.typed.default-mailbox.mailbox-type"),
                config.getString("pekko.actor.typed.default-mailbox.delegate-mailbox-type"));
        assertEquals(InstrumentedMailbox.class.getName(), config.getString("pekko.actor.default-mailbox.mailbox-type"));
        assertEquals(config, ActorMetrics.systemConfig(config), "wrapping twice changes nothing");
        var off = ConfigFactory.parseString("postroom.actor-metrics.enabled = false").withFallback(root);
        assertEquals(root.getString("pekko.actor.typed.default-mailbox.mailbox-type"),
                ActorMetrics.systemConfig(off).getString("pekko.actor.typed.default-mailbox.mailbox-type"));
    }
}
