package org.postroom.imap.codec;

import java.time.ZonedDateTime;
import java.util.List;

/**
 * A decoded IMAP command, one record per verb carrying its arguments (RFC 3501 plus IDLE, UIDPLUS,
 * MOVE, NAMESPACE, ID, ENABLE, UNSELECT). The tag travels beside it in {@link ImapRequest}.
 * {@code uid} marks the {@code UID} prefixed forms, whose sets are UIDs.
 */
public sealed interface ImapCommand {

    /** The verb as a client would write it (for replies such as "FETCH completed"). */
    String name();

    record Capability() implements ImapCommand {
        public String name() { return "CAPABILITY"; }
    }

    record Noop() implements ImapCommand {
        public String name() { return "NOOP"; }
    }

    record Logout() implements ImapCommand {
        public String name() { return "LOGOUT"; }
    }

    record Login(String user, String password) implements ImapCommand {
        public String name() { return "LOGIN"; }
    }

    /** {@code initialResponse} is the SASL-IR argument, or null. */
    record Authenticate(String mechanism, String initialResponse) implements ImapCommand {
        public String name() { return "AUTHENTICATE"; }
    }

    record Select(String mailbox, boolean readOnly) implements ImapCommand {
        public String name() { return readOnly ? "EXAMINE" : "SELECT"; }
    }

    record Create(String mailbox) implements ImapCommand {
        public String name() { return "CREATE"; }
    }

    record Delete(String mailbox) implements ImapCommand {
        public String name() { return "DELETE"; }
    }

    record Rename(String from, String to) implements ImapCommand {
        public String name() { return "RENAME"; }
    }

    record Subscribe(String mailbox, boolean subscribe) implements ImapCommand {
        public String name() { return subscribe ? "SUBSCRIBE" : "UNSUBSCRIBE"; }
    }

    record ListMailboxes(String reference, String pattern, boolean lsub) implements ImapCommand {
        public String name() { return lsub ? "LSUB" : "LIST"; }
    }

    record Status(String mailbox, List<String> items) implements ImapCommand {
        public String name() { return "STATUS"; }
    }

    /** {@code date} may be null (then now); {@code message} has the client's line ends (CRLF). */
    record Append(String mailbox, List<String> flags, ZonedDateTime date, byte[] message) implements ImapCommand {
        public String name() { return "APPEND"; }
    }

    record Check() implements ImapCommand {
        public String name() { return "CHECK"; }
    }

    record Close() implements ImapCommand {
        public String name() { return "CLOSE"; }
    }

    record Unselect() implements ImapCommand {
        public String name() { return "UNSELECT"; }
    }

    /** Plain EXPUNGE has {@code uids == null}; UID EXPUNGE names the UIDs. */
    record Expunge(SequenceSet uids) implements ImapCommand {
        public String name() { return uids == null ? "EXPUNGE" : "UID EXPUNGE"; }
    }

    record Search(boolean uid, String charset, SearchKey key) implements ImapCommand {
        public String name() { return uid ? "UID SEARCH" : "SEARCH"; }
    }

    record Fetch(boolean uid, SequenceSet set, List<FetchAttribute> attributes) implements ImapCommand {
        public String name() { return uid ? "UID FETCH" : "FETCH"; }
    }

    enum StoreMode { REPLACE, ADD, REMOVE }

    record Store(boolean uid, SequenceSet set, StoreMode mode, boolean silent, List<String> flags)
            implements ImapCommand {
        public String name() { return uid ? "UID STORE" : "STORE"; }
    }

    record Copy(boolean uid, SequenceSet set, String mailbox, boolean move) implements ImapCommand {
        public String name() { return (uid ? "UID " : "") + (move ? "MOVE" : "COPY"); }
    }

    record Idle() implements ImapCommand {
        public String name() { return "IDLE"; }
    }

    record Namespace() implements ImapCommand {
        public String name() { return "NAMESPACE"; }
    }

    /** {@code parameters} alternates field and value (values may be null); null for {@code ID NIL}. */
    record Id(List<String> parameters) implements ImapCommand {
        public String name() { return "ID"; }
    }

    record Enable(List<String> capabilities) implements ImapCommand {
        public String name() { return "ENABLE"; }
    }

    record StartTls() implements ImapCommand {
        public String name() { return "STARTTLS"; }
    }
}
