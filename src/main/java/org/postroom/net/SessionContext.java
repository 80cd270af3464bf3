package org.postroom.net;

import org.apache.pekko.util.ByteString;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;

/**
 * What a {@link ProtocolHandler} may do to its connection. Implemented by the session actor over a
 * real socket and by test fakes without one. Calls are only valid on the handler's own thread, except
 * for the {@link Runnable} returned by {@link #callback}.
 */
public interface SessionContext {

    /** Peer and local addresses of the connection. */
    ConnectionInfo connection();

    /** Queues bytes for the client, in order. */
    void send(ByteString bytes);

    /** Queues text for the client as UTF-8; the caller adds the CRLF. */
    default void send(String text) {
        send(ByteString.fromString(text, java.nio.charset.StandardCharsets.UTF_8));
    }

    /** Closes the connection once everything queued has been written. Input after this is ignored. */
    void close();

    /** True once {@link #close} was called. */
    boolean isClosing();

    /**
     * Waits for {@code work} without blocking: input reading pauses, and {@code then} runs on the
     * handler's thread with the result or the failure. After the last pending await, {@link
     * ProtocolHandler#onResume} follows.
     */
    <T> void await(CompletionStage<T> work, BiConsumer<T, Throwable> then);

    /**
     * Like {@link #await}, but the thread that completes {@code work} runs {@code then} itself (and writes
     * the reply) when the session is idle, instead of waking a dispatcher thread: for work completed by a
     * thread that may continue sessions, such as the delivery journal's commit thread.
     */
    default <T> void awaitContinuingThere(CompletionStage<T> work, BiConsumer<T, Throwable> then) {
        await(work, then);
    }

    /** Runs blocking work (file I/O, fsync) on the blocking dispatcher and awaits it. */
    <T> void awaitBlocking(Callable<T> work, BiConsumer<T, Throwable> then);

    /** True while some awaited work has not completed. */
    boolean isAwaiting();

    /** Sets (or changes) the idle timeout; counted from the last input. */
    void setIdleTimeout(Duration timeout);

    /** True when this listener has a certificate, so STARTTLS/STLS may be offered. */
    default boolean tlsAvailable() {
        return false;
    }

    /** True once TLS is active (or starting) on this connection. */
    default boolean isTls() {
        return false;
    }

    /**
     * Switches the connection to TLS right after everything queued so far (the "go ahead" reply) has
     * been written. Until {@link ProtocolHandler#onTlsStarted} no input reaches the handler: plaintext
     * pipelined behind the command is dropped. The handler must drop its own unprocessed input too.
     */
    default void startTls() {
        throw new IllegalStateException("TLS is not configured");
    }

    /**
     * Returns a thread-safe Runnable that, called from any thread, runs {@code action} on the handler's
     * thread (for mailbox notifications such as IMAP IDLE). Calls after the session ended do nothing.
     */
    Runnable callback(Runnable action);
}
