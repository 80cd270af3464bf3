package org.postroom.smtp.session;

import java.io.IOException;
import java.util.concurrent.CompletionStage;

/**
 * Makes a received message durable for all its recipients. Blocking (file writes and fsync): the
 * handler runs it on the blocking dispatcher. It returns only when every copy is on disk, so the
 * session may answer 250; an exception means 451 and the client retries (copies written before the
 * failure stay: a retry may duplicate, nothing is lost). Behind an interface so a group-commit writer
 * that batches fsyncs across sessions can replace {@link StoreAndSpoolAcceptor}.
 */
@FunctionalInterface
public interface MailAcceptor {

    /**
     * @param envelope  sender, recipients and origin
     * @param message   the message as received: CRLF line ends, dots unstuffed
     * @return the id quoted in "250 2.0.0 Ok: queued as id"
     */
    String accept(Envelope envelope, byte[] message) throws IOException;

    /**
     * Starts accepting without waiting on the calling thread (a selector's), or returns null where it
     * cannot (then {@link #accept} is run on a blocking thread). The stage completes on the thread that
     * finishes the work, with the id or the failure, under the same rules as {@link #accept}.
     */
    default CompletionStage<String> acceptWithoutWaiting(Envelope envelope, byte[] message) throws IOException {
        return null;
    }
}
