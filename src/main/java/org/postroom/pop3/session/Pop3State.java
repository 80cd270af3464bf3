package org.postroom.pop3.session;

import org.postroom.pop3.maildrop.Maildrop;

import java.util.BitSet;
import java.util.Optional;

/**
 * The RFC 1939 session states, each carrying only the data valid in it. Connection-wide counters (bad
 * commands, failed logins) live in {@link Pop3SessionMachine}, not here.
 */
public sealed interface Pop3State {

    /** Before login; {@code user} is the name given by USER, waiting for PASS. */
    record Authorization(Optional<String> user) implements Pop3State {}

    /** Credentials are being checked, or the maildrop locked and listed: no input is read meanwhile. */
    record Authenticating(String login) implements Pop3State {}

    /**
     * Logged in with the maildrop listed at login. {@code deleted} holds the numbers marked by DELE
     * (bit n for message n): a mutable set owned by this state, so marking is O(1) per DELE even for
     * large maildrops; RSET clears it and nothing outside the state touches it.
     */
    record Transaction(Maildrop drop, BitSet deleted) implements Pop3State {
        public boolean isDeleted(int n) {
            return deleted.get(n);
        }

        public int liveCount() {
            return drop.count() - deleted.cardinality();
        }

        public long liveSize() {
            long size = 0;
            for (int n = 1; n <= drop.count(); n++) {
                if (!deleted.get(n)) {
                    size += drop.message(n).size();
                }
            }
            return size;
        }
    }

    /** QUIT in TRANSACTION: the marked messages are being removed. */
    record Update(Maildrop drop) implements Pop3State {}

    /** The session has said its last word. */
    record Closed() implements Pop3State {}
}
