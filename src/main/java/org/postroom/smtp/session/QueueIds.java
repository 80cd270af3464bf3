package org.postroom.smtp.session;

import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Message ids for "queued as" and the Received header: the acceptance time in milliseconds and a
 * process-wide counter, both base 36, upper case (e.g. {@code MJ3K8Z2A1-00F}). Unique within one
 * running engine and, with the time part, across restarts. Thread-safe.
 */
public final class QueueIds implements Supplier<String> {
    private final AtomicLong counter = new AtomicLong();

    @Override
    public String get() {
        long n = counter.incrementAndGet() % (36L * 36 * 36);
        String c = Long.toString(n, 36);
        return (Long.toString(System.currentTimeMillis(), 36) + "-" + "000".substring(c.length()) + c)
                .toUpperCase(Locale.ROOT);
    }
}
