package org.postroom.pop3.codec;

import org.apache.pekko.util.ByteString;
import org.apache.pekko.util.ByteStringBuilder;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A POP3 reply: a status line ({@code +OK} / {@code -ERR}, with an optional RFC 2449 response code)
 * or a multi-line reply (status line, dot-stuffed lines, terminating ".").
 * Named factories hold every fixed text of the server, so tests and the session agree on them.
 * Message bodies (RETR/TOP) are encoded by {@link Pop3MessageEncoder}.
 */
public sealed interface Pop3Reply {

    ByteString encode();

    /** {@code +OK text} or {@code -ERR text}. */
    record Status(boolean ok, String text) implements Pop3Reply {
        public ByteString encode() {
            String line = (ok ? "+OK" : "-ERR") + (text.isEmpty() ? "" : " " + text) + "\r\n";
            return ByteString.fromString(line, StandardCharsets.UTF_8);
        }
    }

    /** A positive status line followed by lines (dot-stuffed on encoding) and ".". */
    record MultiLine(String text, List<String> lines) implements Pop3Reply {
        public MultiLine {
            lines = List.copyOf(lines);
        }

        public ByteString encode() {
            ByteStringBuilder b = new ByteStringBuilder();
            b.append(ByteString.fromString("+OK" + (text.isEmpty() ? "" : " " + text) + "\r\n", StandardCharsets.UTF_8));
            for (String line : lines) {
                String stuffed = line.startsWith(".") ? "." + line : line;
                b.append(ByteString.fromString(stuffed + "\r\n", StandardCharsets.UTF_8));
            }
            b.append(ByteString.fromString(".\r\n", StandardCharsets.US_ASCII));
            return b.result();
        }
    }

    static Status ok(String text) {
        return new Status(true, text);
    }

    static Status err(String text) {
        return new Status(false, text);
    }

    /** The one line a connection over {@code inbound.pop3.max-sessions} gets. */
    static Status serverTooBusy() {
        return err("Server Too Busy");
    }

    static Status greeting(String hostname, String apopTimestamp) {
        return ok("Postroom POP3 server ready on " + hostname + " " + apopTimestamp);
    }

    static Status authFailed() {
        return err("[AUTH] Invalid credentials");
    }

    /** The client's address or the account is locked out after too many failed logins ({@code inbound.auth.*}). */
    static Status authThrottled() {
        return err("[SYS/TEMP] Too many failed logins, try again later");
    }

    static Status mailboxInUse() {
        return err("[IN-USE] mailbox locked");
    }

    static Status mailboxUnavailable() {
        return err("[SYS/TEMP] Unable to open the mailbox, try again later");
    }

    static Status loggedIn(int messages, long octets) {
        return ok("Logged in, " + messages + " message" + (messages == 1 ? "" : "s") + " (" + octets + " octets)");
    }

    static Status timeout() {
        return err("Timeout");
    }

    static Status shuttingDown() {
        return err("Server shutting down");
    }

    static Status tooManyBadCommands() {
        return err("Too many bad commands, closing connection");
    }

    static Status tooManyAuthFailures() {
        return err("[AUTH] Too many failed logins, closing connection");
    }

    static Status lineTooLong(int limit) {
        return err("Line too long (limit " + limit + " octets)");
    }

    static Status unknownCommand(String verb) {
        return err(verb.isEmpty() ? "Empty command" : "Unknown command " + sanitize(verb));
    }

    static Status noSuchMessage(int n) {
        return err("No such message " + n);
    }

    static Status alreadyDeleted(int n) {
        return err("Message " + n + " already deleted");
    }

    static Status messageGone(int n) {
        return err("Message " + n + " was removed from the mailbox by another client");
    }

    static Status signingOff(String hostname) {
        return ok(hostname + " POP3 server signing off");
    }

    /** Replies must stay one printable line whatever the client sent. */
    static String sanitize(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && b.length() < 40; i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        return b.toString();
    }
}
