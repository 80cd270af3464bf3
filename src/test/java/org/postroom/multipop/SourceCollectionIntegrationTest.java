package org.postroom.multipop;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postroom.config.Settings.PopSource;
import org.postroom.multipop.client.Pop3Client;
import org.postroom.store.MaildirStore;
import org.postroom.testsupport.FakePop3Server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One source collected against {@link FakePop3Server} over loopback. */
class SourceCollectionIntegrationTest {
    private static final String ACCOUNT = "alice@example.test";

    @TempDir
    Path dataDir;
    private FakePop3Server server;
    private MaildirStore store;
    private SourceCollection collection;
    private final AtomicInteger deliveredEvents = new AtomicInteger();

    @BeforeEach
    void setUp() throws IOException {
        server = FakePop3Server.start();
        store = new MaildirStore(dataDir.resolve("mail"), "mail.example.test");
        Pop3Client.Options options = new Pop3Client.Options(Duration.ofSeconds(5), Duration.ofSeconds(10),
                1024 * 1024, null);
        collection = new SourceCollection(store, dataDir.resolve("multipop"), SourceCollection.connector(options),
                s -> deliveredEvents.incrementAndGet());
    }

    @AfterEach
    void tearDown() throws IOException {
        server.close();
    }

    private PopSource source(String user, String password, boolean leave) {
        return new PopSource(ACCOUNT, "127.0.0.1", server.port(), user, password, leave, "none");
    }

    private static String message(int i) {
        return "From: remote" + i + "@example.net\r\nSubject: message " + i + "\r\n\r\nbody " + i + "\r\n.dotted line\r\n";
    }

    private void fill(String user, int count) {
        server.mailbox(user, "secret");
        for (int i = 1; i <= count; i++) {
            server.message(user, "uid-" + i, message(i));
        }
    }

    private List<String> inbox() throws IOException {
        Path dir = store.inbox(ACCOUNT).resolve("new");
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<String> texts = new ArrayList<>();
        try (var files = Files.list(dir)) {
            for (Path p : files.sorted().toList()) {
                texts.add(Files.readString(p, StandardCharsets.ISO_8859_1));
            }
        }
        texts.sort(null);
        return texts;
    }

    private static List<String> expectedLf(int... numbers) {
        List<String> l = new ArrayList<>();
        for (int n : numbers) {
            l.add(message(n).replace("\r\n", "\n"));
        }
        l.sort(null);
        return l;
    }

    @Test
    void collectShouldDeliverEveryMessageWithLfLineEndsAndDeleteThemOnTheServer() throws IOException {
        fill("bob", 3);
        CollectionOutcome o = collection.collect(source("bob", "secret", false));
        assertEquals(new CollectionOutcome.Collected(3, 3, 0), o);
        assertEquals(expectedLf(1, 2, 3), inbox());
        assertEquals(List.of(), server.uids("bob"));
        assertEquals(3, deliveredEvents.get());
        assertEquals(new CollectionOutcome.Collected(0, 0, 0), collection.collect(source("bob", "secret", false)));
    }

    @Test
    void leaveOnServerShouldNeverCollectAMessageTwice() throws IOException {
        fill("bob", 2);
        assertEquals(new CollectionOutcome.Collected(2, 0, 0), collection.collect(source("bob", "secret", true)));
        server.message("bob", "uid-3", message(3));
        assertEquals(new CollectionOutcome.Collected(1, 0, 2), collection.collect(source("bob", "secret", true)));
        assertEquals(expectedLf(1, 2, 3), inbox());
        assertEquals(List.of("uid-1", "uid-2", "uid-3"), server.uids("bob"));
    }

    @Test
    void wrongPasswordShouldFailAtLoginAndDeliverNothing() throws IOException {
        fill("bob", 2);
        CollectionOutcome.Failed f = assertInstanceOf(CollectionOutcome.Failed.class,
                collection.collect(source("bob", "wrong", false)));
        assertEquals(CollectionOutcome.Stage.LOGIN, f.stage());
        assertTrue(f.error().contains("invalid login"), f.error());
        assertEquals(List.of(), inbox());
        assertEquals(2, server.uids("bob").size());
    }

    @Test
    void closedPortShouldFailAtConnect() throws IOException {
        PopSource dead = new PopSource(ACCOUNT, "127.0.0.1", FakePop3Server.deadPort(), "bob", "secret", false, "none");
        CollectionOutcome.Failed f = assertInstanceOf(CollectionOutcome.Failed.class, collection.collect(dead));
        assertEquals(CollectionOutcome.Stage.CONNECT, f.stage());
        assertTrue(f.error().startsWith("connection refused"), f.error());
    }

    @Test
    void connectionLostPartWayShouldLoseNothingAndDuplicateNothing() throws IOException {
        fill("bob", 5);
        server.dropAtRetr("bob", 3);
        CollectionOutcome.Failed f = assertInstanceOf(CollectionOutcome.Failed.class,
                collection.collect(source("bob", "secret", false)));
        assertEquals(CollectionOutcome.Stage.PROTOCOL, f.stage());
        assertEquals(2, f.delivered());
        // No QUIT, so the server deleted nothing; the next run deletes 1 and 2 without fetching them again.
        assertEquals(5, server.uids("bob").size());
        assertEquals(new CollectionOutcome.Collected(3, 5, 0), collection.collect(source("bob", "secret", false)));
        assertEquals(expectedLf(1, 2, 3, 4, 5), inbox());
        assertEquals(List.of(), server.uids("bob"));
    }

    @Test
    void connectionLostPartWayWithLeaveOnServerShouldResumeWhereItStopped() throws IOException {
        fill("bob", 4);
        server.dropAtRetr("bob", 2);
        assertInstanceOf(CollectionOutcome.Failed.class, collection.collect(source("bob", "secret", true)));
        assertEquals(new CollectionOutcome.Collected(3, 0, 1), collection.collect(source("bob", "secret", true)));
        assertEquals(expectedLf(1, 2, 3, 4), inbox());
    }

    @Test
    void apopShouldBeUsedWhenTheGreetingOffersIt() throws IOException {
        fill("bob", 1);
        server.offerApop(true);
        assertEquals(new CollectionOutcome.Collected(1, 1, 0), collection.collect(source("bob", "secret", false)));
        assertEquals(1, server.logins("bob"));
        assertEquals(1, server.apopLogins("bob"));
    }

    @Test
    void serverWithoutUidlShouldBeCollectedByNumberUnlessLeavingOnServer() throws IOException {
        fill("bob", 2);
        server.supportUidl(false);
        CollectionOutcome.Failed f = assertInstanceOf(CollectionOutcome.Failed.class,
                collection.collect(source("bob", "secret", true)));
        assertTrue(f.error().contains("UIDL"), f.error());
        assertEquals(new CollectionOutcome.Collected(2, 2, 0), collection.collect(source("bob", "secret", false)));
        assertEquals(expectedLf(1, 2), inbox());
    }

    @Test
    void aMessageOverTheSizeLimitShouldStayOnTheServerWhileTheRestIsCollected() throws IOException {
        fill("bob", 2);
        server.message("bob", "huge", "Subject: huge\r\n\r\n" + "y".repeat(998) + "\r\n".repeat(1) + ("z".repeat(998) + "\r\n").repeat(1100));
        server.message("bob", "uid-3", message(3));
        assertEquals(new CollectionOutcome.Collected(3, 3, 0, 1), collection.collect(source("bob", "secret", false)));
        assertEquals(expectedLf(1, 2, 3), inbox());
        assertEquals(List.of("huge"), server.uids("bob"));
    }
}
