package org.postroom.pop3.maildrop;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The POP3 mailbox locks of one engine: at most one POP3 session holds an account's maildrop at a
 * time (RFC 1939 section 8: the server should lock the maildrop). In-process and thread-safe; one
 * registry per POP3 listener. A session hands its {@link Lease} to the QUIT commit, which releases it
 * once the files are deleted (before the client hears +OK, so it may log in again at once), and a
 * connection dropped during the commit cannot let a new session list files being deleted.
 */
public final class MaildropLocks {
    private final Map<String, Lease> held = new ConcurrentHashMap<>();

    /** Takes the lock of {@code account}, or empty when another session holds it. */
    public Optional<Lease> tryLock(String account) {
        Lease lease = new Lease(account);
        return held.putIfAbsent(account, lease) == null ? Optional.of(lease) : Optional.empty();
    }

    public boolean isLocked(String account) {
        return held.containsKey(account);
    }

    /** How many accounts are locked now (for /status). */
    public int lockedCount() {
        return held.size();
    }

    /** The holding of one account's lock. Releasing twice is harmless. */
    public final class Lease {
        private final String account;
        private final AtomicBoolean released = new AtomicBoolean();

        private Lease(String account) {
            this.account = account;
        }

        public String account() {
            return account;
        }

        public void release() {
            if (released.compareAndSet(false, true)) {
                held.remove(account, this);
            }
        }
    }
}
