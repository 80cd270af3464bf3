package org.postroom.smtp.codec;

import java.util.Locale;

/**
 * SMTP envelope addresses (RFC 5321 section 4.1.2): {@link ReversePath} for MAIL FROM (a mailbox or
 * the null sender {@code <>}), {@link ForwardPath} for RCPT TO (a mailbox or the domain-less
 * {@code <Postmaster>} every server must accept), and their parser.
 *
 * <p>Accepted: angle brackets (also left out, as lenient servers do), quoted local parts
 * ({@code "john doe"@example.test}), address literals ({@code [192.0.2.1]}). A source route
 * ({@code <@relay.example,@b.example:user@example.test>}) is accepted and ignored, as RFC 5321 section
 * 3.3 says servers should do: only the final mailbox is used, so a route can never make a relay.
 * Refused: non-ASCII (SMTPUTF8 is not offered), control characters, empty parts, local parts over
 * 64 and domains over 255 octets.
 */
public final class Paths {

    private Paths() {
    }

    /** MAIL FROM's path. */
    public sealed interface ReversePath permits NullSender, Mailbox {
        /** The address as the spool and Return-Path want it: "" for the null sender. */
        String address();
    }

    /** RCPT TO's path. */
    public sealed interface ForwardPath permits Mailbox, Postmaster {}

    /** The null reverse-path {@code <>} (bounces). */
    public record NullSender() implements ReversePath {
        @Override
        public String address() {
            return "";
        }
    }

    /** {@code <Postmaster>} without a domain: the postmaster of this server. */
    public record Postmaster() implements ForwardPath {}

    /** A mailbox; {@code localPart} is unquoted, {@code domain} lower-cased. */
    public record Mailbox(String localPart, String domain) implements ReversePath, ForwardPath {
        @Override
        public String address() {
            return (isDotString(localPart) ? localPart : quote(localPart)) + "@" + domain;
        }

        @Override
        public String toString() {
            return address();
        }
    }

    /** A bad path: the detail for the 501 reply. */
    public static final class PathException extends Exception {
        public PathException(String message) {
            super(message, null, false, false);
        }
    }

    /** The path and what follows it (the ESMTP parameters, untrimmed). */
    public record Parsed<P>(P path, String rest) {}

    public static Parsed<ReversePath> parseReversePath(String text) throws PathException {
        String s = text.stripLeading();
        if (s.startsWith("<>")) {
            return new Parsed<>(new NullSender(), s.substring(2));
        }
        Parsed<String> raw = bracketed(s);
        return new Parsed<>(mailbox(raw.path()), raw.rest());
    }

    public static Parsed<ForwardPath> parseForwardPath(String text) throws PathException {
        String s = text.stripLeading();
        Parsed<String> raw = bracketed(s);
        if (raw.path().equalsIgnoreCase("postmaster")) {
            return new Parsed<>(new Postmaster(), raw.rest());
        }
        if (raw.path().isEmpty()) {
            throw new PathException("empty address");
        }
        return new Parsed<>(mailbox(raw.path()), raw.rest());
    }

    /** Parses a bare {@code local@domain} (no brackets, no route). */
    public static Mailbox parseMailbox(String text) throws PathException {
        return mailbox(text);
    }

    private static Parsed<String> bracketed(String s) throws PathException {
        if (s.startsWith("<")) {
            int close = closingBracket(s);
            if (close < 0) {
                throw new PathException("missing '>'");
            }
            return new Parsed<>(s.substring(1, close), s.substring(close + 1));
        }
        if (s.isEmpty()) {
            throw new PathException("missing address");
        }
        int sp = s.indexOf(' ');
        return sp < 0 ? new Parsed<>(s, "") : new Parsed<>(s.substring(0, sp), s.substring(sp));
    }

    /** The index of the '>' closing the path, skipping quoted strings. */
    private static int closingBracket(String s) {
        boolean quoted = false;
        for (int i = 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quoted) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    quoted = false;
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == '>') {
                return i;
            }
        }
        return -1;
    }

    private static Mailbox mailbox(String path) throws PathException {
        String p = path;
        for (int i = 0; i < p.length(); i++) {
            char c = p.charAt(i);
            if (c > 126 || (c < 32)) {
                throw new PathException(c > 126 ? "non-ASCII address (SMTPUTF8 not offered)" : "control character in address");
            }
        }
        if (p.startsWith("@")) {
            // Source route "@a,@b:": ignored (RFC 5321 3.3 / appendix C).
            int colon = p.indexOf(':');
            if (colon < 0) {
                throw new PathException("bad source route");
            }
            for (String hop : p.substring(0, colon).split(",", -1)) {
                if (!hop.startsWith("@") || !isDomain(hop.substring(1))) {
                    throw new PathException("bad source route");
                }
            }
            p = p.substring(colon + 1);
        }
        String local;
        int at;
        if (p.startsWith("\"")) {
            StringBuilder sb = new StringBuilder();
            int i = 1;
            boolean closed = false;
            while (i < p.length()) {
                char c = p.charAt(i);
                if (c == '\\') {
                    if (i + 1 >= p.length()) {
                        throw new PathException("bad quoted local part");
                    }
                    sb.append(p.charAt(i + 1));
                    i += 2;
                } else if (c == '"') {
                    closed = true;
                    i++;
                    break;
                } else {
                    sb.append(c);
                    i++;
                }
            }
            if (!closed || i >= p.length() || p.charAt(i) != '@') {
                throw new PathException("bad quoted local part");
            }
            local = sb.toString();
            at = i;
        } else {
            at = p.lastIndexOf('@');
            if (at < 0) {
                throw new PathException("missing domain");
            }
            local = p.substring(0, at);
            if (!isDotString(local)) {
                throw new PathException("bad local part");
            }
        }
        String domain = p.substring(at + 1).toLowerCase(Locale.ROOT);
        if (local.isEmpty() || local.length() > 64) {
            throw new PathException("bad local part length");
        }
        if (!isDomain(domain)) {
            throw new PathException("bad domain");
        }
        return new Mailbox(local, domain);
    }

    /** A domain name (letters, digits, hyphens, dots) or an address literal in brackets. */
    static boolean isDomain(String d) {
        if (d.isEmpty() || d.length() > 255) {
            return false;
        }
        if (d.startsWith("[")) {
            return d.endsWith("]") && d.length() > 2 && d.substring(1, d.length() - 1).chars()
                    .allMatch(c -> Character.isLetterOrDigit(c) || c == '.' || c == ':');
        }
        for (String label : d.split("\\.", -1)) {
            if (label.isEmpty() || label.length() > 63 || label.startsWith("-") || label.endsWith("-")) {
                return false;
            }
            for (int i = 0; i < label.length(); i++) {
                char c = label.charAt(i);
                if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-')) {
                    return false;
                }
            }
        }
        return true;
    }

    /** RFC 5321 Dot-string: atoms of atext joined by single dots. */
    static boolean isDotString(String s) {
        if (s.isEmpty() || s.startsWith(".") || s.endsWith(".") || s.contains("..")) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c == '.' || isAtext(c))) {
                return false;
            }
        }
        return true;
    }

    private static boolean isAtext(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                || "!#$%&'*+-/=?^_`{|}~".indexOf(c) >= 0;
    }

    private static String quote(String local) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < local.length(); i++) {
            char c = local.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\');
            }
            sb.append(c);
        }
        return sb.append('"').toString();
    }
}
