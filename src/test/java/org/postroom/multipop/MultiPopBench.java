package org.postroom.multipop;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.junit.jupiter.api.Test;
import org.postroom.config.Settings.MultiPopSettings;
import org.postroom.config.Settings.PopSource;
import org.postroom.metrics.Metrics;
import org.postroom.store.MaildirStore;
import org.postroom.testsupport.FakePop3Server;
import org.postroom.testsupport.TestEngine;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * MultiPOP throughput: SOURCES remote mailboxes of MESSAGES messages of 4 KiB each on a
 * {@link FakePop3Server}, collected (deleted on the server, fsynced into Maildirs) by the router with 1,
 * 5 and 20 sessions. Prints messages/s per run. Not a unit test (the name does not end in Test): run it
 * with {@code bench/multipop.sh} or {@code mvn -o test -Dtest=MultiPopBench}.
 * Properties: {@code bench.sources} (40), {@code bench.messages} (25), {@code bench.sessions} ("1 5 20").
 */
class MultiPopBench {

    @Test
    void collectionThroughputAtSeveralSessionLimits() throws Exception {
        int sources = Integer.getInteger("bench.sources", 40);
        int perSource = Integer.getInteger("bench.messages", 25);
        String sessions = System.getProperty("bench.sessions", "1 5 20");
        String body = "Subject: bench\r\n\r\n" + ("x".repeat(126) + "\r\n").repeat(32);
        LoggerFactory.getLogger(MultiPopBench.class);
        ActorTestKit kit = ActorTestKit.create();
        StringBuilder report = new StringBuilder(String.format("MultiPOP <- FakePop3Server, %d sources x %d messages"
                + " of %d bytes, %d cores%n%-9s %10s %10s%n", sources, perSource, body.length(),
                Runtime.getRuntime().availableProcessors(), "sessions", "seconds", "msg/s"));
        try {
            for (String s : sessions.trim().split("\\s+")) {
                int max = Integer.parseInt(s);
                Path dir = Files.createTempDirectory("multipop-bench");
                try (FakePop3Server server = FakePop3Server.start()) {
                    List<PopSource> list = new ArrayList<>();
                    for (int u = 0; u < sources; u++) {
                        server.mailbox("u" + u, "p");
                        for (int m = 0; m < perSource; m++) {
                            server.message("u" + u, "u" + u + "-" + m, body);
                        }
                        list.add(new PopSource("bench@example.test", "127.0.0.1", server.port(), "u" + u, "p", false, "none"));
                    }
                    Metrics metrics = new Metrics();
                    MaildirStore store = new MaildirStore(dir.resolve("mail"), "bench.example.test");
                    long start = System.nanoTime();
                    ActorRef<MultiPopRouter.Command> router = kit.spawn(MultiPopRouter.create(
                            new MultiPopSettings(max, Duration.ofHours(1), list), store, dir, metrics));
                    await().atMost(Duration.ofMinutes(10)).pollInterval(Duration.ofMillis(20)).until(() ->
                            AskPattern.<MultiPopRouter.Command, MultiPopRouter.Status>ask(router,
                                    MultiPopRouter.GetStatus::new, Duration.ofSeconds(5), kit.scheduler())
                                    .toCompletableFuture().get().cyclesCompleted() == 1);
                    double seconds = (System.nanoTime() - start) / 1e9;
                    kit.stop(router);
                    int total = sources * perSource;
                    assertEquals(total, (int) metrics.multipopMessages().count());
                    report.append(String.format("%-9d %10.2f %10.0f%n", max, seconds, total / seconds));
                } finally {
                    TestEngine.deleteRecursively(dir);
                }
            }
        } finally {
            kit.shutdownTestKit();
        }
        System.out.print(report);
        Files.writeString(Path.of("target", "multipop-bench.txt"), report);
    }
}
