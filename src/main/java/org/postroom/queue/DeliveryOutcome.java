package org.postroom.queue;

/**
 * What became of one recipient in one delivery attempt. The queue turns a {@link Deferred} into
 * the next attempt time from {@code outbound.retry-schedule}; the metrics label falls out of the type.
 */
public sealed interface DeliveryOutcome {

    /** The metrics label of {@code postroom_deliveries_total{result}}. */
    String result();

    String reason();

    /** A 2xx after DATA: done. */
    record Delivered(String reason) implements DeliveryOutcome {
        public String result() {
            return "delivered";
        }
    }

    /** A temporary problem (4xx, no reachable host, broken connection): try again later. */
    record Deferred(String reason) implements DeliveryOutcome {
        public String result() {
            return "deferred";
        }
    }

    /** A permanent problem (5xx, no such domain): the sender gets a bounce. */
    record Failed(String reason) implements DeliveryOutcome {
        public String result() {
            return "bounced";
        }
    }
}
