package org.postroom.net;

import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.util.ByteString;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One accepted socket as a stream stage: bytes to write in, bytes read out. Reads happen on the
 * {@link NioTransport}'s selector thread and reach the stage as chunks; writes are made directly from
 * the stage (non-blocking), and only a write the socket cannot take at once waits for the selector.
 *
 * <p>Semantics follow a Pekko TCP server connection without half-close: when the written side completes,
 * the connection is closed once everything is written (FIN); a failure upstream aborts it (RST). The
 * peer's close completes the read side. At most {@link #UNREAD_LIMIT} chunks wait unread before reading
 * pauses (back-pressure to the client through TCP).
 */
public final class NioConnectionStage extends GraphStage<FlowShape<ByteString, ByteString>> {

    static final int UNREAD_LIMIT = 2;

    private final Inlet<ByteString> toWrite = Inlet.create("NioConnection.toWrite");
    private final Outlet<ByteString> read = Outlet.create("NioConnection.read");
    private final FlowShape<ByteString, ByteString> shape = FlowShape.of(toWrite, read);
    private final SocketChannel channel;
    private final NioTransport transport;

    public NioConnectionStage(SocketChannel channel, NioTransport transport) {
        this.channel = channel;
        this.transport = transport;
    }

    @Override
    public FlowShape<ByteString, ByteString> shape() {
        return shape;
    }

    @Override
    public GraphStageLogic createLogic(Attributes attributes) {
        return new Logic();
    }

    /** What the selector thread tells the stage. */
    private sealed interface Event {
        record Chunk(ByteString bytes) implements Event {}

        record Failed(IOException cause) implements Event {}

        enum PeerClosed implements Event { INSTANCE }

        enum Writable implements Event { INSTANCE }
    }

    private final class Logic extends GraphStageLogic implements NioTransport.Endpoint {
        private final AsyncCallback<Event> events = createAsyncCallback(this::onEvent);
        /** Chunks read and not yet taken by the stage's reader: incremented on the selector, decremented here. */
        private final AtomicInteger unread = new AtomicInteger();
        private final ArrayDeque<ByteString> received = new ArrayDeque<>();
        private volatile boolean stopped;

        // Selector thread only.
        private boolean readPaused;

        // Stage only.
        private ByteBuffer writing;
        private boolean peerClosed;
        private boolean discardInput;
        private boolean abort;

        Logic() {
            super(shape);
            setHandler(toWrite, new AbstractInHandler() {
                @Override
                public void onPush() {
                    writing = grab(toWrite).asByteBuffer();
                    tryWrite();
                }

                @Override
                public void onUpstreamFinish() {
                    if (writing == null) {
                        completeStage();
                    }
                }

                @Override
                public void onUpstreamFailure(Throwable cause) {
                    abort = true;
                    failStage(cause);
                }
            });
            setHandler(read, new AbstractOutHandler() {
                @Override
                public void onPull() {
                    deliver();
                }

                @Override
                public void onDownstreamFinish(Throwable cause) {
                    // The reader is done; writing goes on until the written side completes.
                    discardInput = true;
                    while (!received.isEmpty()) {
                        received.poll();
                        taken();
                    }
                    if (isClosed(toWrite) && writing == null) {
                        completeStage();
                    }
                }
            });
        }

        @Override
        public void preStart() {
            setKeepGoing(true);
            transport.execute(() -> {
                try {
                    channel.register(transport.selector(), SelectionKey.OP_READ, this);
                } catch (ClosedChannelException e) {
                    // The stage stopped before its socket was registered.
                } catch (RuntimeException e) {
                    events.invoke(new Event.Failed(new IOException("cannot register the connection", e)));
                }
            });
            pull(toWrite);
        }

        @Override
        public void postStop() {
            stopped = true;
            try {
                if (abort) {
                    channel.setOption(StandardSocketOptions.SO_LINGER, 0);
                }
            } catch (IOException | RuntimeException ignored) {
                // Closed already.
            }
            try {
                channel.close();
            } catch (IOException ignored) {
                // Nothing left to do with it.
            }
            // The selector releases the socket when it next selects.
            transport.execute(() -> { });
        }

        // ---- selector thread ----

        @Override
        public void onReadable(SelectionKey key, ByteBuffer buffer) {
            buffer.clear();
            int n;
            try {
                n = channel.read(buffer);
            } catch (IOException e) {
                key.interestOps(0);
                post(new Event.Failed(e));
                return;
            }
            if (n < 0) {
                key.interestOps(key.interestOps() & ~SelectionKey.OP_READ);
                post(Event.PeerClosed.INSTANCE);
                return;
            }
            if (n == 0) {
                return;
            }
            buffer.flip();
            ByteString bytes = ByteString.fromByteBuffer(buffer);
            if (unread.incrementAndGet() >= UNREAD_LIMIT) {
                key.interestOps(key.interestOps() & ~SelectionKey.OP_READ);
                readPaused = true;
            }
            post(new Event.Chunk(bytes));
        }

        @Override
        public void onWritable(SelectionKey key) {
            key.interestOps(key.interestOps() & ~SelectionKey.OP_WRITE);
            post(Event.Writable.INSTANCE);
        }

        private void post(Event event) {
            if (!stopped) {
                events.invoke(event);
            }
        }

        private void resumeReading() {
            SelectionKey key = channel.keyFor(transport.selector());
            try {
                if (readPaused && key != null && key.isValid() && unread.get() < UNREAD_LIMIT) {
                    readPaused = false;
                    key.interestOps(key.interestOps() | SelectionKey.OP_READ);
                }
            } catch (java.nio.channels.CancelledKeyException e) {
                // Closed meanwhile.
            }
        }

        private void wantWritable() {
            SelectionKey key = channel.keyFor(transport.selector());
            try {
                if (key != null && key.isValid()) {
                    key.interestOps(key.interestOps() | SelectionKey.OP_WRITE);
                }
            } catch (java.nio.channels.CancelledKeyException e) {
                // Closed meanwhile.
            }
        }

        // ---- stage ----

        private void onEvent(Event event) {
            if (event instanceof Event.Chunk chunk) {
                if (discardInput) {
                    taken();
                } else {
                    received.add(chunk.bytes());
                    deliver();
                }
            } else if (event == Event.Writable.INSTANCE) {
                tryWrite();
            } else if (event == Event.PeerClosed.INSTANCE) {
                peerClosed = true;
                deliver();
            } else if (event instanceof Event.Failed failed) {
                failStage(failed.cause());
            }
        }

        private void deliver() {
            if (!received.isEmpty() && isAvailable(read)) {
                push(read, received.poll());
                taken();
            }
            if (peerClosed && received.isEmpty() && !isClosed(read)) {
                complete(read);
                if (isClosed(toWrite) && writing == null) {
                    completeStage();
                }
            }
        }

        /** One chunk left the unread count; reading resumes if it had paused for it. */
        private void taken() {
            if (unread.decrementAndGet() == UNREAD_LIMIT - 1) {
                transport.execute(this::resumeReading);
            }
        }

        private void tryWrite() {
            if (writing == null) {
                return;
            }
            try {
                while (writing.hasRemaining()) {
                    if (channel.write(writing) == 0) {
                        transport.execute(this::wantWritable);
                        return;
                    }
                }
            } catch (IOException e) {
                failStage(e);
                return;
            }
            writing = null;
            if (isClosed(toWrite)) {
                completeStage();
            } else {
                pull(toWrite);
            }
        }
    }
}
