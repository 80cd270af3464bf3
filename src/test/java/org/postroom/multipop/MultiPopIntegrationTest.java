package org.postroom.multipop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.junit.jupiter.api.Test;
import org.postroom.config.Settings.MultiPopSettings;
import org.postroom.config.Settings.PopSource;
import org.postroom.engine.EngineServices;
import org.postroom.testsupport.FakePop3Server;
import org.postroom.testsupport.TestEngine;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * MultiPOP inside a whole engine ({@link TestEngine}): the router runs in the engine's actor system with
 * its store, data dir and metrics, collects from remote POP3 mailboxes, and its figures appear on the
 * admin endpoint's {@code /status} and {@code /metrics}.
 */
class MultiPopIntegrationTest {

    private static String get(int port, String path) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        return r.body();
    }

    private static ActorRef<MultiPopRouter.Command> spawnRouter(TestEngine engine, MultiPopSettings settings) {
        EngineServices s = engine.services();
        ActorSystem<?> system = engine.system();
        return system.systemActorOf(MultiPopRouter.create(settings, s.store(), engine.dataDir(), s.metrics()),
                "multipop-test", Props.empty());
    }

    private static MultiPopRouter.Status status(TestEngine engine, ActorRef<MultiPopRouter.Command> router)
            throws Exception {
        return AskPattern.<MultiPopRouter.Command, MultiPopRouter.Status>ask(router, MultiPopRouter.GetStatus::new,
                Duration.ofSeconds(5), engine.system().scheduler()).toCompletableFuture().get();
    }

    private static long files(Path dir) throws Exception {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (var s = Files.list(dir)) {
            return s.count();
        }
    }

    @Test
    void remoteMailShouldArriveInLocalMaildirsAndShowOnTheAdminEndpoint() throws Exception {
        try (FakePop3Server remote = FakePop3Server.start();
             TestEngine engine = TestEngine.start("multipop.max-sessions = 2")) {
            remote.mailbox("a", "pa").mailbox("b", "pb");
            for (int i = 1; i <= 3; i++) {
                remote.message("a", "a" + i, "Subject: a" + i + "\r\n\r\nfor alice\r\n");
                remote.message("b", "b" + i, "Subject: b" + i + "\r\n\r\nfor bob\r\n");
            }
            PopSource forAlice = new PopSource("alice@example.test", "127.0.0.1", remote.port(), "a", "pa", false, "none");
            PopSource forBob = new PopSource("bob@example.test", "127.0.0.1", remote.port(), "b", "pb", true, "none");
            PopSource broken = new PopSource("demo@example.test", "127.0.0.1", remote.port(), "a", "nope", false, "none");
            ActorRef<MultiPopRouter.Command> router = spawnRouter(engine,
                    new MultiPopSettings(2, Duration.ofHours(1), List.of(forAlice, forBob, broken)));

            await().atMost(Duration.ofSeconds(20)).until(() -> status(engine, router).cyclesCompleted() == 1);

            var store = engine.services().store();
            assertEquals(3, files(store.inbox("alice@example.test").resolve("new")));
            assertEquals(3, files(store.inbox("bob@example.test").resolve("new")));
            assertEquals(List.of(), remote.uids("a"));
            assertEquals(3, remote.uids("b").size(), "bob's source leaves mail on the server");
            assertTrue(Files.list(engine.dataDir().resolve("multipop")).findAny().isPresent(), "UIDL records persisted");

            JsonNode mp = new ObjectMapper().readTree(get(engine.adminPort(), "/status")).path("multipop");
            assertEquals(6, mp.path("messages").asInt());
            assertEquals(3, mp.path("sources").size());
            for (JsonNode src : mp.path("sources")) {
                if (src.path("id").asText().equals(broken.id())) {
                    assertEquals("failed", src.path("lastResult").asText());
                    assertTrue(src.path("lastError").asText().startsWith("login:"), src.toString());
                } else {
                    assertEquals("ok", src.path("lastResult").asText());
                    assertEquals(3, src.path("lastMessages").asInt());
                }
                assertTrue(src.path("lastRun").isTextual(), src.toString());
            }
            String metrics = get(engine.adminPort(), "/metrics");
            assertTrue(metrics.contains("postroom_multipop_messages_total 6.0"), metrics);
            assertTrue(metrics.contains("postroom_sessions_accepted_total{kind=\"multipop\"} 2.0"), metrics);
            assertTrue(metrics.contains("postroom_sessions_limit{kind=\"multipop\"} 2.0"), metrics);
        }
    }

    /** Postroom's own POP3 server as the remote peer (active once the POP3 listener is in the engine). */
    @Test
    void mailShouldBeCollectedFromPostroomsOwnPop3ServerOnceAndDeletedThere() throws Exception {
        try (TestEngine engine = TestEngine.start("multipop.max-sessions = 2")) {
            org.junit.jupiter.api.Assumptions.assumeTrue(engine.engine().address("pop3") != null,
                    "no POP3 listener in this build");
            var store = engine.services().store();
            for (int i = 1; i <= 3; i++) {
                store.deliver("bob@example.test", ("Subject: to bob " + i + "\n\n.line with a dot\nbody\n")
                        .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                store.deliver("demo@example.test", ("Subject: to demo " + i + "\n\nkept\n")
                        .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            }
            int pop3 = engine.port("pop3");
            PopSource bobToAlice = new PopSource("alice@example.test", "127.0.0.1", pop3, "bob@example.test", "bob-pw",
                    false, "none");
            PopSource demoToAlice = new PopSource("alice@example.test", "127.0.0.1", pop3, "demo@example.test", "demo",
                    true, "none");
            ActorRef<MultiPopRouter.Command> router = spawnRouter(engine,
                    new MultiPopSettings(2, Duration.ofHours(1), List.of(bobToAlice, demoToAlice)));
            MultiPopRouter.Status first = await().atMost(Duration.ofSeconds(20))
                    .until(() -> status(engine, router), s -> s.cyclesCompleted() == 1);
            assertEquals("ok", first.source(bobToAlice.id()).lastResult(), String.valueOf(first));
            assertEquals("ok", first.source(demoToAlice.id()).lastResult(), String.valueOf(first));

            Path aliceNew = store.inbox("alice@example.test").resolve("new");
            assertEquals(6, files(aliceNew));
            long bobLeft = files(store.inbox("bob@example.test").resolve("new"))
                    + files(store.inbox("bob@example.test").resolve("cur"));
            assertEquals(0, bobLeft, "collected mail is deleted on the POP3 server");
            long demoLeft = files(store.inbox("demo@example.test").resolve("new"))
                    + files(store.inbox("demo@example.test").resolve("cur"));
            assertEquals(3, demoLeft, "leave-on-server keeps it");
            try (var texts = Files.list(aliceNew)) {
                assertTrue(texts.anyMatch(p -> {
                    try {
                        return Files.readString(p).equals("Subject: to bob 1\n\n.line with a dot\nbody\n");
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }), "bytes arrive unchanged, dot-stuffing undone");
            }

            router.tell(new MultiPopRouter.RunNow());
            await().atMost(Duration.ofSeconds(20)).until(() -> status(engine, router), s -> s.cyclesCompleted() == 2);
            assertEquals(6, files(aliceNew), "nothing collected twice");
            assertTrue(engine.metrics().sessions("pop3").accepted() >= 4, "the POP3 listener served the collectors");
        }
    }
}
