package org.postroom.pop3.maildrop;

import java.nio.file.Path;
import java.util.List;

/**
 * The POP3 view of one account's INBOX Maildir, fixed at login (RFC 1939: message numbers do not
 * change during a session): the messages in delivery order, numbered 1..n. Immutable; deletion marks
 * live in the session's state. Made and used by {@link MaildropFiles}.
 */
public record Maildrop(String account, Path maildir, List<MaildropMessage> messages) {

    public Maildrop {
        messages = List.copyOf(messages);
    }

    public int count() {
        return messages.size();
    }

    /** Message {@code n}, 1-based; the caller checks the range. */
    public MaildropMessage message(int n) {
        return messages.get(n - 1);
    }

    public boolean contains(int n) {
        return n >= 1 && n <= messages.size();
    }
}
