package org.postroom.delivery;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.postroom.auth.Accounts;
import org.postroom.config.Settings;
import org.postroom.hosthealth.HostHealth;
import org.postroom.metrics.Metrics;
import org.postroom.queue.FileSpool;
import org.postroom.queue.TestSettings;
import org.postroom.store.MaildirStore;
import org.postroom.testsupport.DnsTestServer;
import org.postroom.testsupport.RecordingSmtpPeer;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The outbound half of an engine for end-to-end tests, without the rest of the engine: a DNS
 * responder, recording SMTP peers on 127.0.0.2, .3 and .4 sharing one port (= outbound.remote-port),
 * and the outbound actors ({@link OutboundModule}) on a fresh data dir.
 */
final class OutboundHarness implements AutoCloseable {
    final DnsTestServer dns;
    final RecordingSmtpPeer mx1;
    final RecordingSmtpPeer mx2;
    final RecordingSmtpPeer mx3;
    final Path dataDir;
    final FileSpool spool;
    final Metrics metrics = new Metrics();
    Settings settings;
    MaildirStore store;
    private final ActorTestKit testKit;
    private ActorRef<Void> guardian;
    private OutboundModule module;

    OutboundHarness(ActorTestKit testKit, Path dataDir) throws IOException {
        this.testKit = testKit;
        this.dataDir = dataDir;
        this.dns = DnsTestServer.start();
        RecordingSmtpPeer[] peers = startPeers();
        this.mx1 = peers[0];
        this.mx2 = peers[1];
        this.mx3 = peers[2];
        this.spool = new FileSpool(dataDir.resolve("spool"));
        this.store = new MaildirStore(dataDir.resolve("mail"), "mail.example.test");
    }

    private static RecordingSmtpPeer[] startPeers() throws IOException {
        IOException last = null;
        for (int attempt = 0; attempt < 20; attempt++) {
            RecordingSmtpPeer a = RecordingSmtpPeer.start("127.0.0.2", 0);
            try {
                RecordingSmtpPeer b = RecordingSmtpPeer.start("127.0.0.3", a.port());
                try {
                    return new RecordingSmtpPeer[] {a, b, RecordingSmtpPeer.start("127.0.0.4", a.port())};
                } catch (IOException e) {
                    b.close();
                    throw e;
                }
            } catch (IOException e) {
                a.close();
                last = e;
            }
        }
        throw last;
    }

    int port() {
        return mx1.port();
    }

    /** Starts the outbound actors; {@code outbound} is HOCON inside {@code outbound { }}. */
    OutboundHarness start(String outbound) {
        settings = TestSettings.of(dataDir, "outbound {\n dns.servers = [\"" + dns.address() + "\"]\n remote-port = "
                + port() + "\n connect-timeout = 2 seconds\n command-timeout = 10 seconds\n" + outbound + "\n}");
        AtomicReference<OutboundModule> ref = new AtomicReference<>();
        Behavior<Void> root = Behaviors.setup(ctx -> {
            ref.set(OutboundModule.start(ctx, settings, spool, store, new Accounts(settings.accounts()), metrics,
                    Clock.systemUTC()));
            return Behaviors.empty();
        });
        guardian = testKit.spawn(root);
        org.awaitility.Awaitility.await().until(() -> ref.get() != null);
        module = ref.get();
        return this;
    }

    OutboundModule module() {
        return module;
    }

    /** Queues {@code n} numbered messages from {@code sender} to {@code recipients}. */
    List<String> enqueue(int n, String sender, String... recipients) throws IOException {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String body = "From: " + sender + "\r\nTo: " + String.join(", ", recipients) + "\r\nSubject: message " + i
                    + "\r\n\r\nHello number " + i + ".\r\n.a line with a dot\r\n";
            ids.add(spool.enqueue(sender, List.of(recipients), body.getBytes(StandardCharsets.UTF_8)));
        }
        return ids;
    }

    boolean isCached(String ip) throws IOException {
        TestProbe<HostHealth.CacheStatus> p = testKit.createTestProbe();
        module.hostHealth().tell(new HostHealth.IsCached(InetAddress.getByName(ip), p.getRef()));
        return p.receiveMessage().cached();
    }

    @Override
    public void close() throws IOException {
        if (guardian != null) {
            testKit.stop(guardian);
        }
        dns.close();
        mx1.close();
        mx2.close();
        mx3.close();
    }
}
