package org.postroom.net;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.function.Consumer;

/**
 * A listening socket and the thread that accepts on it: each accepted connection (non-blocking, no
 * Nagle) goes straight to {@code onAccept}, which decides at once whether it is admitted. A thread of
 * its own, so accepting never waits behind sessions' work. {@link #close} stops listening.
 */
public final class NioAcceptor implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(NioAcceptor.class);

    private final ServerSocketChannel server;
    private final InetSocketAddress localAddress;

    private NioAcceptor(ServerSocketChannel server, String name, Consumer<SocketChannel> onAccept) throws IOException {
        this.server = server;
        this.localAddress = (InetSocketAddress) server.getLocalAddress();
        Thread thread = new Thread(() -> acceptLoop(onAccept), name);
        thread.setDaemon(true);
        thread.start();
    }

    /** Binds {@code host:port} (port 0: any free port) and starts accepting. */
    public static NioAcceptor bind(String host, int port, int backlog, String name, Consumer<SocketChannel> onAccept)
            throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open();
        try {
            server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            server.bind(new InetSocketAddress(host, port), backlog);
            return new NioAcceptor(server, name, onAccept);
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
    }

    public InetSocketAddress localAddress() {
        return localAddress;
    }

    private void acceptLoop(Consumer<SocketChannel> onAccept) {
        long lastWarning = 0;
        int failedSince = 0;
        while (server.isOpen()) {
            SocketChannel channel;
            try {
                channel = server.accept();
            } catch (AsynchronousCloseException e) {
                return;
            } catch (IOException e) {
                // EMFILE and the like: say so (at most every 10 s), and do not spin on it.
                failedSince++;
                long now = System.nanoTime();
                if (lastWarning == 0 || now - lastWarning > 10_000_000_000L) {
                    LOG.warn("accept on {} failed ({} times since the last warning): {}", localAddress,
                            failedSince, e.toString());
                    lastWarning = now;
                    failedSince = 0;
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException ie) {
                    return;
                }
                continue;
            }
            try {
                channel.configureBlocking(false);
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                onAccept.accept(channel);
            } catch (IOException | RuntimeException e) {
                LOG.debug("dropping a connection on {}", localAddress, e);
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // gone already
                }
            }
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            LOG.debug("closing {}", localAddress, e);
        }
    }
}
