package org.postroom.inbound;

import com.typesafe.config.ConfigFactory;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.postroom.auth.Accounts;
import org.postroom.config.ConfigLoader;
import org.postroom.config.Settings;
import org.postroom.engine.EngineServices;
import org.postroom.metrics.Metrics;
import org.postroom.metrics.SessionCounters;
import org.postroom.store.MaildirStore;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The guardian's admission and exactly-once counting, over real loopback sockets. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InboundGuardianTest {
    static {
        LoggerFactory.getLogger(InboundGuardianTest.class);
    }

    private final ActorTestKit testKit = ActorTestKit.create("guardian-test", ConfigFactory.load());

    @AfterAll
    void shutdown() {
        testKit.shutdownTestKit();
    }

    private record Listener(ActorRef<InboundGuardian.Command> guardian, int port, SessionCounters counters) {}

    private Listener startListener(String kind, int maxSessions, String idle) {
        return startListener(kind, maxSessions, idle, null);
    }

    private Listener startListener(String kind, int maxSessions, String idle, org.postroom.tls.ServerTls tls) {
        Settings settings = Settings.from(ConfigLoader.fromFileConfig(ConfigFactory.parseString(
                "postroom { hostname = \"mx.test\", inbound.idle-timeout = " + idle + " }")));
        Metrics metrics = new Metrics();
        EngineServices services = new EngineServices(settings, new Accounts(List.of()),
                new MaildirStore(Path.of("target/unused"), "mx.test"), null, metrics, testKit.system(),
                testKit.system().dispatchers().lookup(DispatcherSelector.defaultDispatcher()), tls);
        TestProbe<InboundGuardian.BindResult> bound = testKit.createTestProbe();
        ActorRef<InboundGuardian.Command> guardian = testKit.spawn(InboundGuardian.create(new LineEchoProtocol(kind),
                new Settings.ListenerSettings(kind, true, "127.0.0.1", 0, maxSessions), services, bound.getRef()));
        InboundGuardian.Bound b = (InboundGuardian.Bound) bound.receiveMessage(Duration.ofSeconds(10));
        return new Listener(guardian, b.address().getPort(), metrics.sessions(kind));
    }

    private static final class Client implements AutoCloseable {
        final Socket socket;
        final BufferedReader in;
        final OutputStream out;

        Client(int port) throws Exception {
            socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout(10_000);
            in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            out = socket.getOutputStream();
        }

        String line() throws Exception {
            return in.readLine();
        }

        void send(String s) throws Exception {
            out.write(s.getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        void reset() throws Exception {
            socket.setSoLinger(true, 0);
            socket.close();
        }

        @Override
        public void close() throws Exception {
            socket.close();
        }
    }

    @Test
    void connectionBeyondTheLimitGetsServerTooBusyAndNoSession() throws Exception {
        Listener l = startListener("smtp", 2, "5 minutes");
        try (Client a = new Client(l.port()); Client b = new Client(l.port())) {
            assertEquals("+HELLO", a.line());
            assertEquals("+HELLO", b.line());
            try (Client c = new Client(l.port())) {
                assertEquals("-BUSY mx.test Server Too Busy", c.line());
                assertNull(c.line(), "refused connection is closed");
            }
            assertEquals(2, l.counters().active());
            assertEquals(1, l.counters().refusedCount());
            a.send("QUIT\r\n");
            assertEquals("+BYE", a.line());
            await().atMost(Duration.ofSeconds(10)).until(() -> l.counters().active() == 1);
            try (Client d = new Client(l.port())) {
                assertEquals("+HELLO", d.line(), "a session is admitted again once one closed");
            }
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> l.counters().active() == 0);
        assertEquals(2, l.counters().peak());
    }

    @Test
    void sessionThatThrowsIsCountedOutOnceAsFailed() throws Exception {
        Listener l = startListener("msa", 5, "5 minutes");
        try (Client a = new Client(l.port())) {
            assertEquals("+HELLO", a.line());
            a.send("BOOM\r\n");
            try {
                assertNull(a.line(), "the failed session's connection is closed");
            } catch (java.net.SocketException reset) {
                // An aborted connection is as closed as an orderly one.
            }
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> l.counters().active() == 0);
        assertEquals(1, l.counters().failedCount());
        assertEquals(1, l.counters().accepted());
    }

    @Test
    void thousandAbruptResetsLeaveTheActiveCountAtWhatIsReallyOpen() throws Exception {
        Listener l = startListener("pop3", 2000, "5 minutes");
        List<Client> kept = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Client c = new Client(l.port());
            assertEquals("+HELLO", c.line());
            kept.add(c);
        }
        for (int i = 0; i < 1000; i++) {
            Client c = new Client(l.port());
            if (i % 2 == 0) {
                c.line();
            }
            c.reset();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> l.counters().active() == 5);
        assertEquals(1005, l.counters().accepted());
        for (Client c : kept) {
            c.send("ping\r\n");
            assertEquals("+ECHO ping", c.line());
            c.close();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> l.counters().active() == 0);
    }

    @Test
    void pipelinedLinesWithBlockingWorkAreAnsweredInOrder() throws Exception {
        Listener l = startListener("imap", 5, "5 minutes");
        try (Client a = new Client(l.port())) {
            assertEquals("+HELLO", a.line());
            a.send("one\r\nSLOW two\r\nthree\r\nSLOW four\r\nQUIT\r\n");
            assertEquals("+ECHO one", a.line());
            assertEquals("+SLOW TWO", a.line());
            assertEquals("+ECHO three", a.line());
            assertEquals("+SLOW FOUR", a.line());
            assertEquals("+BYE", a.line());
            assertNull(a.line());
        }
    }

    @Test
    void idleSessionIsToldAndClosedAndCountedOut() throws Exception {
        Listener l = startListener("smtp", 5, "300 ms");
        try (Client a = new Client(l.port())) {
            assertEquals("+HELLO", a.line());
            assertEquals("-TIMEOUT", a.line());
            assertNull(a.line());
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> l.counters().active() == 0);
    }

    @Test
    void shutdownTellsOpenSessionsAndAnswersWhenTheyAreGone() throws Exception {
        Listener l = startListener("msa", 5, "5 minutes");
        try (Client a = new Client(l.port()); Client b = new Client(l.port())) {
            assertEquals("+HELLO", a.line());
            assertEquals("+HELLO", b.line());
            TestProbe<org.apache.pekko.Done> done = testKit.createTestProbe();
            l.guardian().tell(new InboundGuardian.Unbind(done.getRef()));
            done.receiveMessage(Duration.ofSeconds(10));
            l.guardian().tell(new InboundGuardian.ShutdownSessions(Duration.ofSeconds(5), done.getRef()));
            assertEquals("-SHUTDOWN", a.line());
            assertEquals("-SHUTDOWN", b.line());
            done.receiveMessage(Duration.ofSeconds(10));
            assertEquals(0, l.counters().active());
        }
        assertTrue(l.counters().accepted() == 2);
    }

    @Test
    void raisedLimitAdmitsMoreAtOnce() throws Exception {
        Listener l = startListener("pop3", 1, "5 minutes");
        try (Client a = new Client(l.port())) {
            assertEquals("+HELLO", a.line());
            try (Client b = new Client(l.port())) {
                assertEquals("-BUSY mx.test Server Too Busy", b.line());
            }
            l.guardian().tell(new InboundGuardian.SetLimit(2));
            await().atMost(Duration.ofSeconds(5)).until(() -> l.counters().limit() == 2);
            try (Client c = new Client(l.port())) {
                assertEquals("+HELLO", c.line());
            }
        }
    }

    @Test
    void startTlsSwitchesMidConnectionAndDropsPlaintextPipelinedBehindIt(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        org.postroom.tls.ServerTls tls = org.postroom.tls.ServerTls.load(
                new org.postroom.tls.TlsSettings(null, "", null, null, true), dir, "mx.test");
        Listener l = startListener("smtp", 5, "5 minutes", tls);
        try (Client a = new Client(l.port())) {
            assertEquals("+HELLO", a.line());
            a.send("STARTTLS\r\nINJECTED-BEFORE-TLS\r\n");
            assertEquals("+GO", a.line());
            java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("server", tls.certificate());
            javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(
                    javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            javax.net.ssl.SSLContext client = javax.net.ssl.SSLContext.getInstance("TLS");
            client.init(null, tmf.getTrustManagers(), null);
            try (javax.net.ssl.SSLSocket ssl = (javax.net.ssl.SSLSocket) client.getSocketFactory()
                    .createSocket(a.socket, "mx.test", l.port(), false)) {
                ssl.startHandshake();
                BufferedReader in = new BufferedReader(new InputStreamReader(ssl.getInputStream(), StandardCharsets.UTF_8));
                String tlsLine = in.readLine();
                assertTrue(tlsLine.startsWith("+TLS TLSv1."), tlsLine);
                ssl.getOutputStream().write("hello\r\nQUIT\r\n".getBytes(StandardCharsets.UTF_8));
                ssl.getOutputStream().flush();
                assertEquals("+ECHO hello", in.readLine(), "nothing sent in plaintext behind STARTTLS was executed");
                assertEquals("+BYE", in.readLine());
            }
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> l.counters().active() == 0);
    }
}
