package org.postroom.store;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;

/**
 * Who wants to hear that an account's mailboxes changed (new mail, expunge, flags): IMAP sessions in
 * IDLE or selected, so a message delivered is announced within a second. Thread-safe. A listener must
 * be cheap and non-blocking (it typically posts a message to its session actor).
 */
public final class MailboxWatchers {
    private final Map<String, Set<Runnable>> listeners = new ConcurrentHashMap<>();

    /** Registers {@code onChange} for an account; close the result to stop listening. */
    public AutoCloseable listen(String account, Runnable onChange) {
        listeners.computeIfAbsent(account, a -> new CopyOnWriteArraySet<>()).add(onChange);
        return () -> {
            Set<Runnable> set = listeners.get(account);
            if (set != null) {
                set.remove(onChange);
            }
        };
    }

    public void notifyChanged(String account) {
        Set<Runnable> set = listeners.get(account);
        if (set != null) {
            for (Runnable r : set) {
                r.run();
            }
        }
    }
}
