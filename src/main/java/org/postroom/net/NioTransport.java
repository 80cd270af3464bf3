package org.postroom.net;

import org.apache.pekko.actor.typed.ActorSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The inbound connections' selector: one thread that waits for sockets to become readable or writable
 * and reads what arrived, for every connection of one actor system ({@link NioConnectionStage} is the
 * connection's side). Postroom's own, instead of Pekko's TCP layer, for two reasons measured on 2 cores:
 * a refusal can be written at accept, without waiting behind sessions' work on the dispatcher, and a
 * request/reply round trip crosses one thread hand-over each way instead of going selector → connection
 * actor → stream → connection actor → selector.
 *
 * <p>Bytes read are handed to the connection's stream inside {@link InlineDispatch#allowing}: the stream,
 * and the protocol handler in it, run on this thread right away, and the reply is written from here, so a
 * command costs one thread wake-up, as in an event loop. Work that blocks never runs here (handlers hand
 * it to the blocking pool). An actor system has {@code postroom.inbound.selector-threads} of these
 * (by default one per core); connections are spread over them in turn.
 *
 * <p>Read interest stays on while a connection's reader keeps up, so the usual command/reply dialogue
 * never changes interest (no {@code epoll_ctl}, no selector wake-up); it is turned off only when two
 * chunks wait unread (back-pressure), and turned back on by the reader. All interest changes happen on
 * the selector thread; other threads hand it tasks with {@link #execute}.
 */
public final class NioTransport implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(NioTransport.class);
    private static final Map<ActorSystem<?>, Group> BY_SYSTEM = new ConcurrentHashMap<>();
    static final String THREADS_SETTING = "postroom.inbound.selector-threads";

    /** The selectors of one actor system, handed out in turn. */
    private static final class Group {
        final NioTransport[] loops;
        final java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();

        Group(String name, int count) {
            loops = new NioTransport[count];
            for (int i = 0; i < count; i++) {
                loops[i] = new NioTransport(name + "-postroom-selector-" + (i + 1));
            }
        }

        NioTransport next() {
            return loops[Math.floorMod(next.getAndIncrement(), loops.length)];
        }

        void close() {
            for (NioTransport loop : loops) {
                loop.close();
            }
        }
    }

    /** What the selector thread calls for a ready key; implemented by the connection stage. */
    interface Endpoint {
        void onReadable(SelectionKey key, ByteBuffer buffer);

        void onWritable(SelectionKey key);
    }

    private final Selector selector;
    private final Thread thread;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    /** One read buffer for all connections: reads happen only on the selector thread, copied out at once. */
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(64 * 1024);
    private volatile boolean running = true;

    /**
     * A selector of this actor system for one more connection (each call the next, in turn). They are
     * started on first use and closed when the system terminates.
     */
    public static NioTransport get(ActorSystem<?> system) {
        return BY_SYSTEM.computeIfAbsent(system, s -> {
            Group group = new Group(s.name(), threads(s.settings().config()));
            s.getWhenTerminated().whenComplete((done, error) -> {
                BY_SYSTEM.remove(s);
                group.close();
            });
            return group;
        }).next();
    }

    /** {@code postroom.inbound.selector-threads}; 0 (or absent) means one per core. */
    public static int threads(com.typesafe.config.Config config) {
        int configured = config.hasPath(THREADS_SETTING) ? config.getInt(THREADS_SETTING) : 0;
        return configured > 0 ? configured : Runtime.getRuntime().availableProcessors();
    }

    private NioTransport(String name) {
        try {
            this.selector = Selector.open();
        } catch (IOException e) {
            throw new IllegalStateException("cannot open a selector", e);
        }
        this.thread = new Thread(this::run, name);
        thread.setDaemon(true);
        thread.start();
    }

    /** Runs {@code task} on the selector thread (soon: the selector is woken). */
    void execute(Runnable task) {
        tasks.add(task);
        selector.wakeup();
    }

    Selector selector() {
        return selector;
    }

    private void run() {
        while (running) {
            try {
                selector.select(this::onReady);
            } catch (IOException | RuntimeException e) {
                LOG.warn("selector failed; continuing", e);
            }
            Runnable task;
            while ((task = tasks.poll()) != null) {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    LOG.warn("selector task failed", e);
                }
            }
        }
        try {
            for (SelectionKey key : selector.keys()) {
                key.channel().close();
            }
            selector.close();
        } catch (IOException | RuntimeException e) {
            LOG.debug("closing the selector", e);
        }
    }

    private void onReady(SelectionKey key) {
        if (!key.isValid()) {
            return;
        }
        InlineDispatch.allowing(() -> handReady(key));
    }

    private void handReady(SelectionKey key) {
        Endpoint endpoint = (Endpoint) key.attachment();
        try {
            int ready = key.readyOps();
            if ((ready & SelectionKey.OP_WRITE) != 0) {
                endpoint.onWritable(key);
            }
            if ((ready & SelectionKey.OP_READ) != 0 && key.isValid()) {
                endpoint.onReadable(key, readBuffer);
            }
        } catch (java.nio.channels.CancelledKeyException e) {
            // The connection's stage closed it meanwhile.
        }
    }

    @Override
    public void close() {
        running = false;
        selector.wakeup();
    }
}
