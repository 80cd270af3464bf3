package org.postroom.delivery;

import com.typesafe.config.ConfigFactory;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postroom.dns.MxResolver;
import org.postroom.hosthealth.HostHealth;
import org.postroom.queue.FileSpool;
import org.postroom.queue.QueueActor;
import org.postroom.queue.TestSettings;
import org.postroom.queue.WorkItem;
import org.postroom.testsupport.DnsTestServer;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One delivery session against probes standing in for the queue and host health. */
class DeliveryActorTest {
    static {
        LoggerFactory.getLogger(DeliveryActorTest.class);
    }

    private static final ActorTestKit testKit = ActorTestKit.create(
            ManualTime.config().withFallback(ConfigFactory.load()));
    private static final ManualTime time = ManualTime.get(testKit.system());
    private static final ExecutorService io = Executors.newFixedThreadPool(4);

    @TempDir
    Path dir;

    @AfterAll
    static void shutdown() {
        testKit.shutdownTestKit();
        io.shutdownNow();
    }

    private DeliveryDeps deps(TestProbe<QueueActor.Command> queue, TestProbe<HostHealth.Command> hostHealth,
                              DnsTestServer dns) throws Exception {
        return deps(queue, hostHealth, dns, "remote-port = 25");
    }

    private DeliveryDeps deps(TestProbe<QueueActor.Command> queue, TestProbe<HostHealth.Command> hostHealth,
                              DnsTestServer dns, String outbound) throws Exception {
        return new DeliveryDeps("mail.example.test", TestSettings.outbound(outbound), queue.getRef(),
                hostHealth.getRef(), new MxResolver(List.of(dns.address()), Duration.ofSeconds(3), io, new Random(1)),
                new FileSpool(dir.resolve("spool")), io);
    }

    @Test
    void aSessionShouldEndWhenTheQueueNeverAnswers() throws Exception {
        try (DnsTestServer dns = DnsTestServer.start()) {
            TestProbe<QueueActor.Command> queue = testKit.createTestProbe();
            TestProbe<HostHealth.Command> hostHealth = testKit.createTestProbe();
            ActorRef<DeliveryActor.Command> session = testKit.spawn(DeliveryActor.create(deps(queue, hostHealth, dns)));
            queue.expectMessageClass(QueueActor.Pull.class);
            time.timePasses(DeliveryActor.ANSWER_TIMEOUT.plusSeconds(1));
            queue.expectTerminated(session, Duration.ofSeconds(5));
        }
    }

    @Test
    void anItemWhoseEveryAddressIsCachedOrWithoutTokenShouldBeReturnedUnchanged() throws Exception {
        try (DnsTestServer dns = DnsTestServer.start()) {
            dns.mx("remote.test", 10, "mx1.remote.test").mx("remote.test", 20, "mx2.remote.test")
                    .a("mx1.remote.test", "192.0.2.1").a("mx2.remote.test", "192.0.2.2");
            TestProbe<QueueActor.Command> queue = testKit.createTestProbe();
            TestProbe<HostHealth.Command> hostHealth = testKit.createTestProbe();
            ActorRef<DeliveryActor.Command> session = testKit.spawn(DeliveryActor.create(deps(queue, hostHealth, dns)));
            WorkItem item = new WorkItem("q1", "alice@example.test", "remote.test", List.of("x@remote.test"), 10);

            QueueActor.Pull pull = queue.expectMessageClass(QueueActor.Pull.class);
            assertEquals(session, pull.session());
            pull.replyTo().tell(new QueueActor.Work(item));

            HostHealth.Acquire first = hostHealth.expectMessageClass(HostHealth.Acquire.class, Duration.ofSeconds(10));
            assertEquals(InetAddress.getByName("192.0.2.1"), first.address());
            first.replyTo().tell(new HostHealth.Cached(first.address()));
            HostHealth.Acquire second = hostHealth.expectMessageClass(HostHealth.Acquire.class);
            assertEquals(InetAddress.getByName("192.0.2.2"), second.address());
            second.replyTo().tell(new HostHealth.Denied(second.address()));

            assertEquals(new QueueActor.Return(item), queue.expectMessageClass(QueueActor.Return.class));
            queue.expectMessageClass(QueueActor.Pull.class).replyTo().tell(new QueueActor.NothingReady());
            queue.expectTerminated(session, Duration.ofSeconds(5));
            hostHealth.expectNoMessage(Duration.ofMillis(100));
        }
    }

    @Test
    void aSessionShouldReuseItsConnectionAndStopAtItsMessageCap() throws Exception {
        try (DnsTestServer dns = DnsTestServer.start();
             org.postroom.testsupport.RecordingSmtpPeer peer = org.postroom.testsupport.RecordingSmtpPeer.start("127.0.0.2", 0)) {
            dns.mx("remote.test", 10, "mx1.remote.test").a("mx1.remote.test", "127.0.0.2");
            TestProbe<QueueActor.Command> queue = testKit.createTestProbe();
            TestProbe<HostHealth.Command> hostHealth = testKit.createTestProbe();
            DeliveryDeps deps = deps(queue, hostHealth, dns, "remote-port = " + peer.port() + "\nmax-messages-per-session = 2");
            List<WorkItem> items = queued(deps, 3);
            ActorRef<DeliveryActor.Command> session = testKit.spawn(DeliveryActor.create(deps));

            queue.expectMessageClass(QueueActor.Pull.class).replyTo().tell(new QueueActor.Work(items.get(0)));
            HostHealth.Acquire acquire = hostHealth.expectMessageClass(HostHealth.Acquire.class, Duration.ofSeconds(10));
            acquire.replyTo().tell(new HostHealth.Granted(acquire.address()));
            QueueActor.Report first = queue.expectMessageClass(QueueActor.Report.class, Duration.ofSeconds(10));
            assertEquals("delivered", first.outcomes().get("x0@remote.test").result());
            assertEquals(HostHealth.ReportSuccess.class, hostHealth.receiveMessage().getClass());

            QueueActor.Pull second = queue.expectMessageClass(QueueActor.Pull.class);
            assertEquals("remote.test", second.preferredDomain(), "the open connection asks for its domain");
            second.replyTo().tell(new QueueActor.Work(items.get(1)));
            queue.expectMessageClass(QueueActor.Report.class, Duration.ofSeconds(10));
            hostHealth.expectMessageClass(HostHealth.ReportSuccess.class);

            // The cap is reached: no third pull, the token goes back, the session ends.
            assertEquals(HostHealth.Release.class, hostHealth.receiveMessage().getClass());
            queue.expectTerminated(session, Duration.ofSeconds(5));
            queue.expectNoMessage(Duration.ofMillis(100));
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> peer.received().size() == 2);
            assertEquals(1, peer.connections(), "both messages over one connection");
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() ->
                    peer.commands().stream().anyMatch(c -> c.endsWith(" QUIT")));
            assertEquals(1, peer.commands().stream().filter(c -> c.endsWith(" RSET")).count());
        }
    }

    @Test
    void aPulledBatchShouldGoOverOneConnectionWithOneLookupOneTokenAndOneReport() throws Exception {
        try (DnsTestServer dns = DnsTestServer.start();
             org.postroom.testsupport.RecordingSmtpPeer peer = org.postroom.testsupport.RecordingSmtpPeer.start("127.0.0.2", 0)) {
            // No such domain in DNS (answered NXDOMAIN, which is never cached): the smart host takes it,
            // as in bench/peers.sh. Every lookup reaches the DNS server and is counted.
            TestProbe<QueueActor.Command> queue = testKit.createTestProbe();
            TestProbe<HostHealth.Command> hostHealth = testKit.createTestProbe();
            // A report window longer than the test: the run's outcomes go in one report at its end.
            DeliveryDeps deps = deps(queue, hostHealth, dns, "smart-host = \"127.0.0.2:" + peer.port() + "\"\n"
                    + "report-window = 1 minute");
            List<WorkItem> items = queued(deps, 5);
            ActorRef<DeliveryActor.Command> session = testKit.spawn(DeliveryActor.create(deps));

            QueueActor.Pull pull = queue.expectMessageClass(QueueActor.Pull.class);
            assertEquals(DeliveryActor.PULL_BATCH, pull.max(), "no cap: a whole batch is asked for");
            pull.replyTo().tell(new QueueActor.Work(items.subList(0, 3)));
            HostHealth.Acquire acquire = hostHealth.expectMessageClass(HostHealth.Acquire.class, Duration.ofSeconds(10));
            acquire.replyTo().tell(new HostHealth.Granted(acquire.address()));
            QueueActor.Reports reports = queue.expectMessageClass(QueueActor.Reports.class, Duration.ofSeconds(10));
            assertEquals(items.subList(0, 3), reports.reports().stream().map(QueueActor.Report::item).toList());
            assertTrue(reports.reports().stream().allMatch(r -> r.outcomes().values().stream()
                    .allMatch(o -> o instanceof org.postroom.queue.DeliveryOutcome.Delivered)), reports.toString());
            assertEquals(HostHealth.ReportSuccess.class, hostHealth.receiveMessage().getClass());

            // The next batch for the same domain: no new lookup or token, the same connection.
            QueueActor.Pull second = queue.expectMessageClass(QueueActor.Pull.class);
            assertEquals("remote.test", second.preferredDomain());
            second.replyTo().tell(new QueueActor.Work(items.subList(3, 5)));
            assertEquals(2, queue.expectMessageClass(QueueActor.Reports.class, Duration.ofSeconds(10)).reports().size());
            hostHealth.expectMessageClass(HostHealth.ReportSuccess.class);
            queue.expectMessageClass(QueueActor.Pull.class).replyTo().tell(new QueueActor.NothingReady());
            assertEquals(HostHealth.Release.class, hostHealth.receiveMessage().getClass());
            queue.expectTerminated(session, Duration.ofSeconds(5));
            hostHealth.expectNoMessage(Duration.ofMillis(100));

            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> peer.received().size() == 5);
            assertEquals(1, peer.connections(), "five messages over one connection");
            assertEquals(4, peer.commands().stream().filter(c -> c.endsWith(" RSET")).count());
            assertEquals(1, dns.queries(), "one MX lookup for the session, not one per message");
        }
    }

    @Test
    void aPullShouldNeverAskForMoreThanTheMessageCapLeaves() throws Exception {
        try (DnsTestServer dns = DnsTestServer.start();
             org.postroom.testsupport.RecordingSmtpPeer peer = org.postroom.testsupport.RecordingSmtpPeer.start("127.0.0.2", 0)) {
            dns.mx("remote.test", 10, "mx1.remote.test").a("mx1.remote.test", "127.0.0.2");
            TestProbe<QueueActor.Command> queue = testKit.createTestProbe();
            TestProbe<HostHealth.Command> hostHealth = testKit.createTestProbe();
            DeliveryDeps deps = deps(queue, hostHealth, dns, "remote-port = " + peer.port()
                    + "\nmax-messages-per-session = 3\nreport-window = 1 minute");
            List<WorkItem> items = queued(deps, 3);
            ActorRef<DeliveryActor.Command> session = testKit.spawn(DeliveryActor.create(deps));

            QueueActor.Pull pull = queue.expectMessageClass(QueueActor.Pull.class);
            assertEquals(3, pull.max());
            pull.replyTo().tell(new QueueActor.Work(items.subList(0, 2)));
            HostHealth.Acquire acquire = hostHealth.expectMessageClass(HostHealth.Acquire.class, Duration.ofSeconds(10));
            acquire.replyTo().tell(new HostHealth.Granted(acquire.address()));
            queue.expectMessageClass(QueueActor.Reports.class, Duration.ofSeconds(10));
            QueueActor.Pull second = queue.expectMessageClass(QueueActor.Pull.class);
            assertEquals(1, second.max(), "one message left before the cap");
            second.replyTo().tell(new QueueActor.Work(items.get(2)));
            queue.expectMessageClass(QueueActor.Report.class, Duration.ofSeconds(10));
            queue.expectTerminated(session, Duration.ofSeconds(5));
            queue.expectNoMessage(Duration.ofMillis(100));
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> peer.received().size() == 3);
            assertEquals(1, peer.connections());
        }
    }

    /**
     * A server whose first connection dies when the second transaction begins (it closes on the RSET,
     * as a kept connection that timed out while idle looks); later connections take everything.
     */
    private static final class DyingFirstConnection implements AutoCloseable {
        final java.net.ServerSocket server = new java.net.ServerSocket(0, 50, InetAddress.getByName("127.0.0.2"));
        final java.util.concurrent.atomic.AtomicInteger connections = new java.util.concurrent.atomic.AtomicInteger();
        final List<String> delivered = new java.util.concurrent.CopyOnWriteArrayList<>();

        DyingFirstConnection() throws java.io.IOException {
            Thread t = new Thread(this::serve, "dying-first-connection");
            t.setDaemon(true);
            t.start();
        }

        private void serve() {
            while (!server.isClosed()) {
                try (java.net.Socket s = server.accept()) {
                    int n = connections.incrementAndGet();
                    java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(
                            s.getInputStream(), java.nio.charset.StandardCharsets.ISO_8859_1));
                    java.io.OutputStream out = s.getOutputStream();
                    out.write("220 test\r\n".getBytes());
                    String rcpt = null;
                    for (String line; (line = in.readLine()) != null; ) {
                        String reply = "250 ok\r\n";
                        if (line.startsWith("EHLO")) {
                            reply = "250-test\r\n250 PIPELINING\r\n";
                        } else if (line.equals("RSET") && n == 1) {
                            break;
                        } else if (line.startsWith("RCPT TO:")) {
                            rcpt = line.substring(9, line.length() - 1);
                        } else if (line.equals("DATA")) {
                            out.write("354 go\r\n".getBytes());
                            while (!".".equals(in.readLine())) {
                                // the body
                            }
                            delivered.add(rcpt);
                        } else if (line.equals("QUIT")) {
                            out.write("221 bye\r\n".getBytes());
                            break;
                        }
                        out.write(reply.getBytes());
                    }
                } catch (java.io.IOException e) {
                    // closed
                }
            }
        }

        @Override
        public void close() throws java.io.IOException {
            server.close();
        }
    }

    @Test
    void aKeptConnectionDyingInTheMiddleOfARunShouldBeDialledAgainForTheRestWithoutAnAttempt() throws Exception {
        try (DnsTestServer dns = DnsTestServer.start(); DyingFirstConnection peer = new DyingFirstConnection()) {
            TestProbe<QueueActor.Command> queue = testKit.createTestProbe();
            TestProbe<HostHealth.Command> hostHealth = testKit.createTestProbe();
            DeliveryDeps deps = deps(queue, hostHealth, dns,
                    "smart-host = \"127.0.0.2:" + peer.server.getLocalPort() + "\"\nreport-window = 1 minute");
            List<WorkItem> items = queued(deps, 3);
            ActorRef<DeliveryActor.Command> session = testKit.spawn(DeliveryActor.create(deps));
            queue.expectMessageClass(QueueActor.Pull.class).replyTo().tell(new QueueActor.Work(items));
            HostHealth.Acquire first = hostHealth.expectMessageClass(HostHealth.Acquire.class, Duration.ofSeconds(10));
            first.replyTo().tell(new HostHealth.Granted(first.address()));

            // The first message went; the second found the connection dead: only the first is reported.
            QueueActor.Report report = queue.expectMessageClass(QueueActor.Report.class, Duration.ofSeconds(10));
            assertEquals(items.get(0), report.item());
            hostHealth.expectMessageClass(HostHealth.ReportSuccess.class);
            hostHealth.expectMessageClass(HostHealth.Release.class);
            HostHealth.Acquire again = hostHealth.expectMessageClass(HostHealth.Acquire.class, Duration.ofSeconds(10));
            assertEquals(first.address(), again.address());
            again.replyTo().tell(new HostHealth.Granted(again.address()));
            QueueActor.Reports rest = queue.expectMessageClass(QueueActor.Reports.class, Duration.ofSeconds(10));
            assertEquals(items.subList(1, 3), rest.reports().stream().map(QueueActor.Report::item).toList());
            assertTrue(rest.reports().stream().allMatch(r -> r.outcomes().values().stream()
                    .allMatch(o -> o instanceof org.postroom.queue.DeliveryOutcome.Delivered)), rest.toString());
            assertEquals(List.of("x0@remote.test", "x1@remote.test", "x2@remote.test"), peer.delivered);
            assertEquals(2, peer.connections.get());
            queue.expectMessageClass(QueueActor.Pull.class).replyTo().tell(new QueueActor.NothingReady());
            queue.expectTerminated(session, Duration.ofSeconds(5));
        }
    }

    @Test
    void withAZeroReportWindowEachMessageOfARunShouldBeReportedAtOnce() throws Exception {
        try (DnsTestServer dns = DnsTestServer.start();
             org.postroom.testsupport.RecordingSmtpPeer peer = org.postroom.testsupport.RecordingSmtpPeer.start("127.0.0.2", 0)) {
            TestProbe<QueueActor.Command> queue = testKit.createTestProbe();
            TestProbe<HostHealth.Command> hostHealth = testKit.createTestProbe();
            DeliveryDeps deps = deps(queue, hostHealth, dns,
                    "smart-host = \"127.0.0.2:" + peer.port() + "\"\nreport-window = 0");
            List<WorkItem> items = queued(deps, 3);
            ActorRef<DeliveryActor.Command> session = testKit.spawn(DeliveryActor.create(deps));
            queue.expectMessageClass(QueueActor.Pull.class).replyTo().tell(new QueueActor.Work(items));
            HostHealth.Acquire acquire = hostHealth.expectMessageClass(HostHealth.Acquire.class, Duration.ofSeconds(10));
            acquire.replyTo().tell(new HostHealth.Granted(acquire.address()));
            for (WorkItem w : items) {
                assertEquals(w, queue.expectMessageClass(QueueActor.Report.class, Duration.ofSeconds(10)).item());
            }
            queue.expectMessageClass(QueueActor.Pull.class).replyTo().tell(new QueueActor.NothingReady());
            queue.expectTerminated(session, Duration.ofSeconds(5));
            assertEquals(1, peer.connections());
        }
    }

    /** {@code count} messages from alice to x0@remote.test, x1@… in the spool, as the queue would hand them out. */
    private static List<WorkItem> queued(DeliveryDeps deps, int count) throws java.io.IOException {
        List<WorkItem> items = new java.util.ArrayList<>();
        for (int i = 0; i < count; i++) {
            String id = deps.spool().enqueue("alice@example.test", List.of("x" + i + "@remote.test"),
                    ("Subject: " + i + "\r\n\r\nbody\r\n").getBytes());
            items.add(new WorkItem(id, "alice@example.test", "remote.test", List.of("x" + i + "@remote.test"), 10));
        }
        return items;
    }
}
