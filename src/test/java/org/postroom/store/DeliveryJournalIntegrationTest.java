package org.postroom.store;

import jakarta.mail.Address;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import org.junit.jupiter.api.Test;
import org.postroom.smtp.SmtpClients;
import org.postroom.testsupport.TestEngine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The journal in the running engine: SMTP deliveries go through it, /metrics shows it, a clean stop empties it. */
class DeliveryJournalIntegrationTest {

    private static double metric(TestEngine engine, String name) {
        Matcher m = Pattern.compile("(?m)^" + name + " ([0-9.E]+)$").matcher(engine.metrics().scrape());
        return m.find() ? Double.parseDouble(m.group(1)) : -1;
    }

    @Test
    void smtpDeliveriesAreJournaledCheckpointedAndNothingIsLeftToReplayAfterACleanStop() throws Exception {
        Path dataDir = Files.createTempDirectory("postroom-journal");
        try {
            try (TestEngine engine = TestEngine.startOn(dataDir, "store.journal.checkpoint-interval = 200 ms")) {
                Properties p = new Properties();
                p.put("mail.smtp.host", "127.0.0.1");
                p.put("mail.smtp.port", String.valueOf(engine.port("smtp")));
                Session session = Session.getInstance(p);
                try (Transport t = session.getTransport("smtp")) {
                    t.connect();
                    for (int i = 0; i < 5; i++) {
                        t.sendMessage(SmtpClients.raw(session, "Subject: journal " + i + "\r\n\r\nbody " + i + "\r\n"),
                                new Address[] {new InternetAddress("alice@example.test"),
                                        new InternetAddress("bob@example.test")});
                    }
                }
                // One record per local recipient; each message's two records share one commit.
                assertEquals(10.0, metric(engine, "postroom_journal_records_total"));
                double commits = metric(engine, "postroom_journal_commits_total");
                assertTrue(commits >= 1 && commits <= 5, "commits " + commits);
                await().atMost(Duration.ofSeconds(20))
                        .until(() -> metric(engine, "postroom_journal_checkpoints_total") >= 1);
                assertEquals(0.0, metric(engine, "postroom_journal_replayed"));
                try (Stream<Path> files = Files.list(dataDir.resolve("mail/example.test/bob/new"))) {
                    List<String> bodies = files.map(f -> {
                        try {
                            return Files.readString(f);
                        } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    }).toList();
                    assertEquals(5, bodies.size());
                    assertTrue(bodies.stream().allMatch(b -> b.contains("Subject: journal ") && b.endsWith("\n")));
                }
                assertTrue(Files.exists(dataDir.resolve("journal/segment-0.log")));
            }
            try (TestEngine again = TestEngine.startOn(dataDir, "")) {
                assertEquals(0.0, metric(again, "postroom_journal_replayed"), "a clean stop leaves nothing to replay");
                try (Stream<Path> files = Files.list(dataDir.resolve("mail/example.test/alice/new"))) {
                    assertEquals(5, files.count());
                }
            }
        } finally {
            TestEngine.deleteRecursively(dataDir);
        }
    }
}
