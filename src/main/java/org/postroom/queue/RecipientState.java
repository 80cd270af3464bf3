package org.postroom.queue;

import java.time.Instant;
import java.util.Locale;

/**
 * The delivery state of one recipient of a queued message, as persisted in its envelope file.
 *
 * @param attempts    failed attempts so far (a skipped host is not an attempt)
 * @param nextAttempt not before this time
 * @param lastError   the last remote answer or reason, "" when none
 */
public record RecipientState(String address, Status status, int attempts, Instant nextAttempt, String lastError) {

    public enum Status { PENDING, DELIVERED, FAILED }

    public static RecipientState pending(String address, Instant now) {
        return new RecipientState(address, Status.PENDING, 0, now, "");
    }

    public String domain() {
        return address.substring(address.lastIndexOf('@') + 1).toLowerCase(Locale.ROOT);
    }

    public boolean pending() {
        return status == Status.PENDING;
    }

    public RecipientState delivered(String reply) {
        return new RecipientState(address, Status.DELIVERED, attempts, nextAttempt, reply);
    }

    public RecipientState failed(String reason) {
        return new RecipientState(address, Status.FAILED, attempts + 1, nextAttempt, reason);
    }

    public RecipientState deferred(String reason, Instant retryAt) {
        return new RecipientState(address, Status.PENDING, attempts + 1, retryAt, reason);
    }
}
