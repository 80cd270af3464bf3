package org.postroom.net;

import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.BidiShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.util.ByteString;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;
import java.nio.ByteBuffer;

/**
 * The switch point of a connection's byte path: passes bytes through in plaintext until the session
 * sends {@link AppOut.StartTls} (in band, right after its "go ahead" reply), then runs everything through
 * the given {@link SSLEngine}. Plaintext the client pipelined behind its STARTTLS and that is still in
 * flight is dropped: after the switch the session sees nothing until {@link AppIn.TlsStarted}, then only
 * decrypted bytes. A connection that starts in TLS (implicit TLS listeners) sends StartTls first.
 *
 * <p>The handshake's CPU-heavy steps (the engine's delegated tasks: key exchange, signing, about a
 * millisecond) run on the given executor when there is one, so the thread driving the stream (a
 * selector, shared with other sessions) is not held up; the handshake resumes when they are done.
 *
 * <p>Shape: app-out (session → network) on top, network-in → app-in below. Pekko's own {@code TLS}
 * stage encrypts from the first byte and cannot switch in the middle, hence this stage.
 */
public final class TlsSwitch extends GraphStage<BidiShape<TlsSwitch.AppOut, ByteString, ByteString, TlsSwitch.AppIn>> {

    /** What the session sends towards the network. */
    public sealed interface AppOut {
        record Data(ByteString bytes) implements AppOut {}

        /**
         * Switch to TLS; {@code goAhead} (the "220 Ready to start TLS" / "+OK Begin TLS" reply) is written in
         * plaintext first, in the same step, so no network byte can arrive between the reply and the switch.
         */
        record StartTls(SSLEngine engine, ByteString goAhead) implements AppOut {
            public StartTls(SSLEngine engine) {
                this(engine, ByteString.emptyByteString());
            }
        }
    }

    /** What the session receives from the network. */
    public sealed interface AppIn {
        record Data(ByteString bytes) implements AppIn {}

        record TlsStarted(SSLSession session) implements AppIn {}
    }

    private final Inlet<AppOut> appOut = Inlet.create("TlsSwitch.appOut");
    private final Outlet<ByteString> netOut = Outlet.create("TlsSwitch.netOut");
    private final Inlet<ByteString> netIn = Inlet.create("TlsSwitch.netIn");
    private final Outlet<AppIn> appIn = Outlet.create("TlsSwitch.appIn");
    private final BidiShape<AppOut, ByteString, ByteString, AppIn> shape = BidiShape.of(appOut, netOut, netIn, appIn);
    /** Implicit TLS: nothing is read from the network before the engine is there (the ClientHello is first). */
    private final boolean startsWithTls;

    /** Null: delegated tasks run on the stream's own thread. */
    private final java.util.concurrent.Executor handshakeTasks;

    public TlsSwitch() {
        this(false);
    }

    public TlsSwitch(boolean startsWithTls) {
        this(startsWithTls, null);
    }

    /** @param handshakeTasks where the engine's delegated tasks run (null: on the stream's thread) */
    public TlsSwitch(boolean startsWithTls, java.util.concurrent.Executor handshakeTasks) {
        this.startsWithTls = startsWithTls;
        this.handshakeTasks = handshakeTasks;
    }

    @Override
    public BidiShape<AppOut, ByteString, ByteString, AppIn> shape() {
        return shape;
    }

    @Override
    public GraphStageLogic createLogic(Attributes inheritedAttributes) {
        return new Logic();
    }

    private final class Logic extends GraphStageLogic {
        private SSLEngine engine;
        private boolean handshakeDone;
        private boolean appOutFinished;
        private ByteString pendingNetIn = ByteString.emptyByteString();
        private ByteString pendingAppOut = ByteString.emptyByteString();
        private ByteBuffer netBuffer;
        private ByteBuffer appBuffer;
        /** Delegated tasks are running elsewhere: the engine waits for them, and so does pump(). */
        private boolean tasksRunning;
        private final org.apache.pekko.stream.stage.AsyncCallback<Throwable> tasksDone =
                createAsyncCallback(this::onTasksDone);

        private void onTasksDone(Throwable failure) throws SSLException {
            tasksRunning = false;
            if (failure != null) {
                failStage(failure);
            } else {
                pump();
            }
        }

        Logic() {
            super(shape);
            setHandler(appOut, new AbstractInHandler() {
                @Override
                public void onPush() throws SSLException {
                    AppOut element = grab(appOut);
                    if (element instanceof AppOut.StartTls start) {
                        if (!start.goAhead().isEmpty()) {
                            emit(netOut, start.goAhead());
                        }
                        startTls(start.engine());
                    } else if (engine == null) {
                        emit(netOut, ((AppOut.Data) element).bytes());
                        pullAppOutIfReady();
                    } else {
                        pendingAppOut = pendingAppOut.concat(((AppOut.Data) element).bytes());
                        pump();
                    }
                }

                @Override
                public void onUpstreamFinish() throws SSLException {
                    appOutFinished = true;
                    if (engine == null) {
                        complete(netOut);
                    } else {
                        engine.closeOutbound();
                        pump();
                        if (!isClosed(netOut)) {
                            complete(netOut);
                        }
                    }
                }
            });
            setHandler(netOut, new AbstractOutHandler() {
                @Override
                public void onPull() {
                    pullAppOutIfReady();
                }
            });
            setHandler(netIn, new AbstractInHandler() {
                @Override
                public void onPush() throws SSLException {
                    ByteString bytes = grab(netIn);
                    if (engine == null) {
                        emit(appIn, new AppIn.Data(bytes));
                    } else {
                        pendingNetIn = pendingNetIn.concat(bytes);
                        pump();
                    }
                }

                @Override
                public void onUpstreamFinish() {
                    complete(appIn);
                }
            });
            setHandler(appIn, new AbstractOutHandler() {
                @Override
                public void onPull() throws SSLException {
                    if (engine != null) {
                        pump();
                    }
                    pullNetInIfReady();
                }

                @Override
                public void onDownstreamFinish(Throwable cause) {
                    // The session stopped reading: stop reading the network, but let what it still
                    // writes (its last reply, then TLS close_notify) go out; the stage ends with netOut.
                    if (!isClosed(netIn)) {
                        cancel(netIn);
                    }
                }
            });
        }

        private void pullAppOutIfReady() {
            if (!appOutFinished && !hasBeenPulled(appOut) && !isClosed(appOut) && (engine == null || handshakeDone)) {
                pull(appOut);
            }
        }

        private void pullNetInIfReady() {
            if (engine == null && startsWithTls) {
                return;
            }
            boolean wanted = engine == null ? isAvailable(appIn) : (!handshakeDone || isAvailable(appIn));
            if (wanted && !hasBeenPulled(netIn) && !isClosed(netIn)) {
                pull(netIn);
            }
        }

        private void startTls(SSLEngine e) throws SSLException {
            engine = e;
            // Plaintext read ahead behind the STARTTLS command is not trusted: drop it.
            pendingNetIn = ByteString.emptyByteString();
            SSLSession s = engine.getSession();
            netBuffer = ByteBuffer.allocate(s.getPacketBufferSize());
            appBuffer = ByteBuffer.allocate(s.getApplicationBufferSize());
            try {
                engine.beginHandshake();
            } catch (SSLException ex) {
                failStage(ex);
                return;
            }
            pump();
            pullNetInIfReady();
        }

        /**
         * Drives the engine as far as the bytes at hand allow. A TLS failure (a client offering only
         * TLS 1.1, garbage instead of a ClientHello) ends the connection quietly: routine on the internet,
         * so no stage error with a stack trace in the log.
         */
        private void pump() throws SSLException {
            try {
                pumpOrThrow();
            } catch (SSLException e) {
                failStage(e);
            }
        }

        private void pumpOrThrow() throws SSLException {
            boolean progress = true;
            while (progress) {
                progress = false;
                SSLEngineResult.HandshakeStatus hs = engine.getHandshakeStatus();
                if (hs == SSLEngineResult.HandshakeStatus.NEED_TASK) {
                    if (tasksRunning || (handshakeTasks != null && startTasksElsewhere())) {
                        break; // resumed by tasksDone
                    }
                    Runnable task;
                    while ((task = engine.getDelegatedTask()) != null) {
                        task.run();
                    }
                    progress = true;
                    continue;
                }
                if (hs == SSLEngineResult.HandshakeStatus.NEED_WRAP
                        || (handshakeDone && !pendingAppOut.isEmpty())
                        || (appOutFinished && !engine.isOutboundDone())) {
                    progress |= wrapOnce();
                }
                if (!pendingNetIn.isEmpty() && !engine.isInboundDone()
                        && (hs == SSLEngineResult.HandshakeStatus.NEED_UNWRAP
                        || hs == SSLEngineResult.HandshakeStatus.NEED_UNWRAP_AGAIN
                        || (handshakeDone && isAvailable(appIn)))) {
                    progress |= unwrapOnce();
                }
            }
            if (engine.isInboundDone() && !isClosed(appIn)) {
                complete(appIn);
            }
            pullNetInIfReady();
        }

        /** Hands the delegated tasks to the executor; false if it refused them (they ran here instead). */
        private boolean startTasksElsewhere() {
            java.util.List<Runnable> tasks = new java.util.ArrayList<>(2);
            Runnable task;
            while ((task = engine.getDelegatedTask()) != null) {
                tasks.add(task);
            }
            tasksRunning = true;
            try {
                handshakeTasks.execute(() -> {
                    Throwable failure = null;
                    try {
                        tasks.forEach(Runnable::run);
                    } catch (RuntimeException | Error e) {
                        failure = e;
                    }
                    tasksDone.invoke(failure);
                });
                return true;
            } catch (java.util.concurrent.RejectedExecutionException e) {
                tasksRunning = false;
                tasks.forEach(Runnable::run); // shutting down: finish here
                return false;
            }
        }

        private boolean wrapOnce() throws SSLException {
            ByteBuffer src = pendingAppOut.toByteBuffer();
            netBuffer.clear();
            SSLEngineResult r = engine.wrap(src, netBuffer);
            if (r.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                netBuffer = ByteBuffer.allocate(netBuffer.capacity() * 2);
                return true;
            }
            pendingAppOut = pendingAppOut.drop(r.bytesConsumed());
            netBuffer.flip();
            if (netBuffer.hasRemaining() && !isClosed(netOut)) {
                emit(netOut, ByteString.fromByteBuffer(netBuffer));
            }
            handshakeStep(r);
            return r.bytesConsumed() > 0 || r.bytesProduced() > 0;
        }

        private boolean unwrapOnce() throws SSLException {
            ByteBuffer src = pendingNetIn.toByteBuffer();
            appBuffer.clear();
            SSLEngineResult r = engine.unwrap(src, appBuffer);
            if (r.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                appBuffer = ByteBuffer.allocate(appBuffer.capacity() * 2);
                return true;
            }
            pendingNetIn = pendingNetIn.drop(r.bytesConsumed());
            appBuffer.flip();
            if (appBuffer.hasRemaining()) {
                emit(appIn, new AppIn.Data(ByteString.fromByteBuffer(appBuffer)));
            }
            handshakeStep(r);
            return r.bytesConsumed() > 0 || r.bytesProduced() > 0;
        }

        private void handshakeStep(SSLEngineResult r) {
            if (!handshakeDone && r.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.FINISHED) {
                handshakeDone = true;
                emit(appIn, new AppIn.TlsStarted(engine.getSession()));
                pullAppOutIfReady();
            }
        }
    }
}
