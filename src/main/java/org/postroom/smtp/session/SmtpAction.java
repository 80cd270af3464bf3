package org.postroom.smtp.session;

import org.postroom.smtp.codec.SmtpReply;

/**
 * What the {@link SmtpSessionMachine} asks its driver ({@link SmtpHandler}) to do. The driver performs
 * them in order and feeds results back into the machine ({@code onAuthResult}, {@code onAccepted}).
 */
public sealed interface SmtpAction {

    /** Queue a reply for the client. */
    record Reply(SmtpReply reply) implements SmtpAction {}

    /** Send the queued replies now (end of a pipelining group). */
    record Flush() implements SmtpAction {}

    /** Close the connection after the queued replies. */
    record Close() implements SmtpAction {}

    /**
     * Switch the connection to TLS once the queued replies are written, and drop every byte of input
     * read so far (plaintext pipelined behind STARTTLS must not be taken as if sent over TLS).
     */
    record StartTls() implements SmtpAction {}

    /** Check credentials (may be slow: PBKDF2); answer with {@code onAuthResult}. */
    record Authenticate(String login, String password) implements SmtpAction {}

    /** Durably accept a received message; answer with {@code onAccepted} or {@code onAcceptFailed}. */
    record Accept(Envelope envelope, byte[] message) implements SmtpAction {}
}
