package org.postroom.net;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The inbound transport over real loopback sockets, with the simplest server there is: the stage's read
 * side joined to its write side (an echo). Checks what the sessions rely on: every byte in order when
 * both directions fill their socket buffers (partial writes, paused reading), a peer's close ending the
 * connection after the last byte, and an upstream failure cutting it with a reset.
 */
class NioConnectionStageIntegrationTest {

    static {
        LoggerFactory.getLogger(NioConnectionStageIntegrationTest.class);
    }

    private static final ActorTestKit KIT = ActorTestKit.create();

    @AfterAll
    static void shutdown() {
        KIT.shutdownTestKit();
    }

    /** Accepts one connection on a fresh port and serves it with {@code server}; returns the client's socket. */
    private static Socket connect(Flow<ByteString, ByteString, ?> server) throws IOException {
        try (ServerSocketChannel listener = ServerSocketChannel.open()) {
            listener.bind(new InetSocketAddress("127.0.0.1", 0));
            Socket client = new Socket("127.0.0.1", ((InetSocketAddress) listener.getLocalAddress()).getPort());
            client.setSoTimeout(20_000);
            SocketChannel accepted = listener.accept();
            accepted.configureBlocking(false);
            Flow.fromGraph(new NioConnectionStage(accepted, NioTransport.get(KIT.system())))
                    .join(server)
                    .run(KIT.system());
            return client;
        }
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        in.transferTo(out);
        return out.toByteArray();
    }

    @Test
    void anEchoShouldReturnEveryByteInOrderWhenBothDirectionsFillTheirBuffers() throws Exception {
        byte[] payload = new byte[8 * 1024 * 1024];
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) (i * 31 + (i >>> 13));
        }
        try (Socket client = connect(Flow.of(ByteString.class))) {
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    // Written in one go: far more than the socket buffers hold while the echo backs up.
                    client.getOutputStream().write(payload);
                    client.shutdownOutput();
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            byte[] echoed = readAll(client.getInputStream());
            writer.get();
            assertEquals(payload.length, echoed.length);
            assertArrayEquals(payload, echoed);
        }
    }

    @Test
    void aPeersCloseShouldEndTheConnectionAfterTheLastReply() throws Exception {
        // Replies to each chunk with its length; the peer's FIN completes the read side, the flow completes,
        // and the stage closes the socket once the replies are written.
        try (Socket client = connect(Flow.of(ByteString.class).map(b -> ByteString.fromString(b.size() + "\n")))) {
            client.getOutputStream().write("hello".getBytes());
            client.shutdownOutput();
            byte[] reply = readAll(client.getInputStream());
            assertEquals("5\n", new String(reply));
        }
    }

    @Test
    void anUpstreamFailureShouldResetTheConnection() throws Exception {
        try (Socket client = connect(Flow.of(ByteString.class).map(b -> {
            throw new IllegalStateException("handler broke");
        }))) {
            client.getOutputStream().write("x".getBytes());
            InputStream in = client.getInputStream();
            IOException reset = assertThrows(IOException.class, () -> {
                while (in.read() >= 0) {
                    // a reset surfaces as an exception, an orderly close as -1
                }
            });
            assertEquals(true, reset.getMessage() != null && reset.getMessage().toLowerCase().contains("reset"),
                    Arrays.toString(new Object[] {reset}));
        }
    }
}
