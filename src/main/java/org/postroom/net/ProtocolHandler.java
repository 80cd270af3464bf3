package org.postroom.net;

import org.apache.pekko.util.ByteString;

/**
 * The protocol side of one connection: plain Java, driven by the session's stream stage ({@link SessionStage})
 * or, in tests, by a fake {@link SessionContext}. Every method runs on that stage's thread, one
 * at a time, so a handler needs no locking.
 *
 * <p>Flow: {@link #onStart} once (send the greeting); {@link #onInput} for each chunk of bytes as it
 * arrives, cut anywhere; a handler that starts asynchronous work with {@link SessionContext#await}
 * keeps the unprocessed bytes itself and gets {@link #onResume} once all its awaited work has
 * finished, to go on with them. While work is awaited no further input is read (back-pressure, and
 * pipelined commands keep their order).
 */
public interface ProtocolHandler {

    /** The connection is open and admitted: send the greeting. */
    void onStart(SessionContext ctx);

    /** Bytes from the client; may be empty. */
    void onInput(org.apache.pekko.util.ByteString bytes, SessionContext ctx);

    /** All awaited work has completed: continue with any input buffered earlier. */
    default void onResume(SessionContext ctx) {
        onInput(ByteString.emptyByteString(), ctx);
    }

    /** The TLS handshake after {@link SessionContext#startTls} completed; the protocol starts afresh (RFC 3207). */
    default void onTlsStarted(SessionContext ctx, javax.net.ssl.SSLSession session) {
    }

    /** No input for the idle timeout: say so in the protocol's words and close. */
    void onIdleTimeout(SessionContext ctx);

    /** The engine is stopping: say so (SMTP 421, POP3 -ERR, IMAP * BYE) and close. */
    void onShutdown(SessionContext ctx);

    /** The connection is gone (any way): release locks and subscriptions. Must not throw. */
    default void onClosed() {
    }
}
