package org.postroom.pop3.session;

import java.time.Duration;

/**
 * The limits of one POP3 session.
 *
 * @param maxLineLength    longest command line in octets ({@code inbound.max-line-length})
 * @param maxBadCommands   unknown, malformed or out-of-state commands tolerated; one more closes
 *                         the connection ({@code inbound.max-bad-commands})
 * @param maxAuthFailures  failed logins in one session before it is closed
 * @param authFailureDelay the pause before the first "-ERR [AUTH]"; it doubles with each further
 *                         failure in the session, up to {@link #MAX_AUTH_DELAY}
 * @param idleTimeout      {@code inbound.idle-timeout}, before login; once logged in the session gets
 *                         {@link #transactionIdleTimeout()}
 */
public record Pop3Policy(int maxLineLength, int maxBadCommands, int maxAuthFailures,
                         Duration authFailureDelay, Duration idleTimeout) {

    public static final Duration MAX_AUTH_DELAY = Duration.ofSeconds(16);
    public static final int DEFAULT_MAX_AUTH_FAILURES = 3;
    public static final Duration DEFAULT_AUTH_FAILURE_DELAY = Duration.ofSeconds(1);

    /** RFC 1939 section 3: an autologout timer, if any, MUST be of at least 10 minutes. */
    public static final Duration MIN_AUTOLOGOUT = Duration.ofMinutes(10);

    /** The idle limit of a logged-in session: {@code idleTimeout}, but never under 10 minutes. */
    public Duration transactionIdleTimeout() {
        return idleTimeout.compareTo(MIN_AUTOLOGOUT) < 0 ? MIN_AUTOLOGOUT : idleTimeout;
    }

    /** The pause before answering the {@code failures}-th failed login (1-based). */
    public Duration authDelay(int failures) {
        if (authFailureDelay.isZero() || failures < 1) {
            return Duration.ZERO;
        }
        Duration d = authFailureDelay.multipliedBy(1L << Math.min(failures - 1, 16));
        return d.compareTo(MAX_AUTH_DELAY) > 0 ? MAX_AUTH_DELAY : d;
    }
}
