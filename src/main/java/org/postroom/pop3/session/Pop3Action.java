package org.postroom.pop3.session;

import org.postroom.pop3.codec.Pop3Reply;
import org.postroom.pop3.maildrop.Maildrop;
import org.postroom.pop3.maildrop.MaildropMessage;

import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;

/**
 * What {@link Pop3SessionMachine} asks its handler to do, in order. {@link CheckCredentials},
 * {@link OpenMaildrop}, {@link SendMessage}, {@link Commit} and {@link Pause} are asynchronous: the
 * handler runs the following actions, and reads further input, only once they finished and their
 * outcome went back into the machine.
 */
public sealed interface Pop3Action {

    record Send(Pop3Reply reply) implements Pop3Action {}

    /** Check a login; the result goes to {@link Pop3SessionMachine#onCredentials}. */
    record CheckCredentials(String login, Credentials credentials) implements Pop3Action {}

    /** Lock and list the account's maildrop; see {@link Pop3SessionMachine#onMaildropOpened}. */
    record OpenMaildrop(String account) implements Pop3Action {}

    /** Read message {@code number} and send it (all of it, or the header and {@code topLines}). */
    record SendMessage(Maildrop drop, int number, MaildropMessage message, OptionalInt topLines)
            implements Pop3Action {}

    /** Delete the marked messages, release the lock; see {@link Pop3SessionMachine#onCommitted}. */
    record Commit(Maildrop drop, List<MaildropMessage> marked) implements Pop3Action {
        public Commit {
            marked = List.copyOf(marked);
        }
    }

    /** Wait before going on (the growing delay after a failed login). */
    record Pause(Duration duration) implements Pop3Action {}

    /** Switch the connection to TLS after what was sent; input buffered behind STLS is dropped. */
    record StartTls() implements Pop3Action {}

    /** Change the idle timeout (at login: RFC 1939's autologout minimum applies). */
    record SetIdleTimeout(Duration timeout) implements Pop3Action {}

    /** Close the connection after what was sent. */
    record Close() implements Pop3Action {}

    /** How a client proved who it is. */
    sealed interface Credentials {
        record Password(String password) implements Credentials {
            @Override
            public String toString() {
                return "Password[***]";
            }
        }

        /** APOP: MD5 of the greeting's timestamp followed by the password, in hex. */
        record ApopDigest(String timestamp, String digest) implements Credentials {}
    }
}
