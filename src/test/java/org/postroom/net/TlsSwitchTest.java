package org.postroom.net;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.stream.javadsl.BidiFlow;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postroom.tls.ServerTls;
import org.postroom.tls.TlsSettings;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two switches in TLS from the start, a client and a server engine talking through each other's network
 * sides: the handshake completes, the bytes arrive, and the server's delegated tasks ran on the executor
 * it was given, not on the stream's thread.
 */
class TlsSwitchTest {
    private static final ActorTestKit KIT = ActorTestKit.create();

    @AfterAll
    static void stop() {
        KIT.shutdownTestKit();
    }

    @Test
    void handshakeTasksShouldRunOnTheGivenExecutorAndTheDataArrive(@TempDir Path tlsDir) throws Exception {
        SSLContext serverContext = ServerTls.load(new TlsSettings(null, "", null, null, true), tlsDir,
                "mx.example.test").context();
        SSLEngine server = serverContext.createSSLEngine();
        server.setUseClientMode(false);
        SSLEngine client = org.postroom.security.Wire.trustAll().createSSLEngine("mx.example.test", 993);
        client.setUseClientMode(true);

        AtomicInteger tasks = new AtomicInteger();
        List<String> taskThreads = new CopyOnWriteArrayList<>();
        ExecutorService pool = Executors.newSingleThreadExecutor(r -> new Thread(r, "handshake-tasks"));
        java.util.concurrent.Executor recording = command -> pool.execute(() -> {
            tasks.incrementAndGet();
            taskThreads.add(Thread.currentThread().getName());
            command.run();
        });

        // client app-out → client net-out → server net-in → server app-in, and back (an async boundary
        // each side: a cycle inside one fused island would wait on itself).
        BidiFlow<TlsSwitch.AppOut, TlsSwitch.AppIn, TlsSwitch.AppOut, TlsSwitch.AppIn, org.apache.pekko.NotUsed> wire =
                BidiFlow.fromGraph(new TlsSwitch(true)).async().atop(BidiFlow.fromGraph(new TlsSwitch(true, recording)).reversed().async());
        List<TlsSwitch.AppIn> serverSaw = new CopyOnWriteArrayList<>();
        Flow<TlsSwitch.AppIn, TlsSwitch.AppOut, org.apache.pekko.NotUsed> serverSession = Flow.fromSinkAndSource(
                Sink.<TlsSwitch.AppIn>foreach(serverSaw::add).mapMaterializedValue(f -> org.apache.pekko.NotUsed.getInstance()),
                Source.<TlsSwitch.AppOut>single(new TlsSwitch.AppOut.StartTls(server)).concat(Source.never()));
        Flow<TlsSwitch.AppOut, TlsSwitch.AppIn, org.apache.pekko.NotUsed> clientSide = wire.join(serverSession);

        List<TlsSwitch.AppIn> clientSaw = Source.<TlsSwitch.AppOut>from(List.of(
                        new TlsSwitch.AppOut.StartTls(client),
                        new TlsSwitch.AppOut.Data(ByteString.fromString("hello over tls"))))
                .concat(Source.never())
                .via(clientSide)
                .take(1) // TlsStarted on the client side
                .runWith(Sink.seq(), KIT.system())
                .toCompletableFuture().get(20, TimeUnit.SECONDS);
        assertInstanceOf(TlsSwitch.AppIn.TlsStarted.class, clientSaw.get(0));

        // The server's session saw the handshake finish, then the decrypted bytes.
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).until(() -> serverSaw.size() >= 2);
        assertInstanceOf(TlsSwitch.AppIn.TlsStarted.class, serverSaw.get(0));
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).until(() -> {
            StringBuilder all = new StringBuilder();
            serverSaw.stream().skip(1).forEach(e -> all.append(((TlsSwitch.AppIn.Data) e).bytes().utf8String()));
            return all.toString().equals("hello over tls");
        });
        assertTrue(tasks.get() > 0, "the server's handshake had delegated tasks");
        assertTrue(taskThreads.stream().allMatch("handshake-tasks"::equals), taskThreads.toString());
        pool.shutdown();
        assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
        assertEquals("TLSv1.3", client.getSession().getProtocol());
    }
}
