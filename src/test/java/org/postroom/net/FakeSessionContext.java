package org.postroom.net;

import org.apache.pekko.util.ByteString;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;

/**
 * A {@link SessionContext} without a socket, for driving a {@link ProtocolHandler} in unit tests the
 * way the session actor does: one call at a time, awaited work completed after the handler returns,
 * then {@link ProtocolHandler#onResume}. Output is collected as text. {@link #withTls} gives it a
 * certificate: {@link #startTls} is then allowed, input fed while the switch is pending is dropped (as
 * the session actor does), and {@link #tlsHandshake} completes it and calls
 * {@link ProtocolHandler#onTlsStarted}.
 */
public final class FakeSessionContext implements SessionContext {
    private final ProtocolHandler handler;
    private final ConnectionInfo info;
    private final ByteArrayOutputStream output = new ByteArrayOutputStream();
    private final Deque<Runnable> completions = new ArrayDeque<>();
    private final Deque<Runnable> callbacks = new ArrayDeque<>();
    private int awaiting;
    private int blockingCalls;
    private boolean closing;
    private Duration idleTimeout;
    private boolean tlsAvailable;
    private boolean tls;
    private boolean tlsStarting;

    public FakeSessionContext(ProtocolHandler handler, String kind) {
        this(handler, new ConnectionInfo(kind, "test-1",
                new InetSocketAddress("127.0.0.1", 40000), new InetSocketAddress("127.0.0.1", 2525)));
    }

    public FakeSessionContext(ProtocolHandler handler, ConnectionInfo info) {
        this.handler = handler;
        this.info = info;
    }

    /** Calls onStart and settles; returns what was sent. */
    public String start() {
        handler.onStart(this);
        settle();
        return takeOutput();
    }

    /** Feeds text (the caller writes the CRLFs) and returns everything sent in response. */
    public String feed(String text) {
        return feed(text.getBytes(StandardCharsets.UTF_8));
    }

    public String feed(byte[] bytes) {
        if (!closing && !tlsStarting) {
            handler.onInput(ByteString.fromArray(bytes), this);
            settle();
        }
        return takeOutput();
    }

    /** Simulates the idle timer firing. */
    public String idle() {
        handler.onIdleTimeout(this);
        settle();
        return takeOutput();
    }

    /** Simulates engine shutdown. */
    public String shutdown() {
        handler.onShutdown(this);
        settle();
        return takeOutput();
    }

    /** Runs callbacks posted from other threads (as the actor would on its next message). */
    public String runCallbacks() {
        synchronized (callbacks) {
            while (!callbacks.isEmpty()) {
                callbacks.poll().run();
            }
        }
        settle();
        return takeOutput();
    }

    public String takeOutput() {
        String s = output.toString(StandardCharsets.UTF_8);
        output.reset();
        return s;
    }

    public byte[] takeOutputBytes() {
        byte[] b = output.toByteArray();
        output.reset();
        return b;
    }

    /** How many times the handler went to the blocking pool ({@link #awaitBlocking}) so far. */
    public int blockingCalls() {
        return blockingCalls;
    }

    public Duration idleTimeout() {
        return idleTimeout;
    }

    private void settle() {
        while (!completions.isEmpty()) {
            completions.poll().run();
            if (awaiting == 0 && completions.isEmpty() && !closing) {
                handler.onResume(this);
            }
        }
    }

    @Override
    public ConnectionInfo connection() {
        return info;
    }

    @Override
    public void send(ByteString bytes) {
        if (!closing) {
            output.writeBytes(bytes.toArray());
        }
    }

    @Override
    public void close() {
        closing = true;
    }

    @Override
    public boolean isClosing() {
        return closing;
    }

    @Override
    public <T> void await(CompletionStage<T> work, BiConsumer<T, Throwable> then) {
        awaiting++;
        CompletableFuture<T> f = work.toCompletableFuture();
        completions.add(() -> {
            T value = null;
            Throwable error = null;
            try {
                value = f.join();
            } catch (java.util.concurrent.CompletionException e) {
                error = e.getCause();
            } catch (RuntimeException e) {
                error = e;
            }
            awaiting--;
            then.accept(value, error);
        });
    }

    @Override
    public <T> void awaitBlocking(Callable<T> work, BiConsumer<T, Throwable> then) {
        blockingCalls++;
        CompletableFuture<T> f = new CompletableFuture<>();
        try {
            f.complete(work.call());
        } catch (Exception e) {
            f.completeExceptionally(e);
        }
        await(f, then);
    }

    @Override
    public boolean isAwaiting() {
        return awaiting > 0;
    }

    @Override
    public void setIdleTimeout(Duration timeout) {
        this.idleTimeout = timeout;
    }

    @Override
    public Runnable callback(Runnable action) {
        return () -> {
            synchronized (callbacks) {
                callbacks.add(action);
            }
        };
    }

    /** This connection's listener has a certificate: STARTTLS may be offered. */
    public FakeSessionContext withTls() {
        tlsAvailable = true;
        return this;
    }

    @Override
    public boolean tlsAvailable() {
        return tlsAvailable;
    }

    @Override
    public boolean isTls() {
        return tls || tlsStarting;
    }

    @Override
    public void startTls() {
        if (!tlsAvailable) {
            throw new IllegalStateException("TLS is not configured");
        }
        if (tls || tlsStarting) {
            throw new IllegalStateException("TLS already active");
        }
        tlsStarting = true;
    }

    /** True while a switch was asked for and the handshake has not happened. */
    public boolean tlsPending() {
        return tlsStarting;
    }

    /** Completes the handshake; returns what the handler sent then. */
    public String tlsHandshake() {
        if (!tlsStarting) {
            throw new IllegalStateException("no STARTTLS pending");
        }
        tlsStarting = false;
        tls = true;
        handler.onTlsStarted(this, null);
        settle();
        return takeOutput();
    }
}
