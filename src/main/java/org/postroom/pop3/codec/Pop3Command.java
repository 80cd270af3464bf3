package org.postroom.pop3.codec;

import java.util.Locale;
import java.util.OptionalInt;

/**
 * One POP3 command line (RFC 1939, RFC 2449) as a value. {@link #parse} turns a line without its CRLF
 * into a command; a line it cannot understand becomes {@link Unknown} or {@link Invalid}, never an
 * exception. Message numbers are checked for syntax here (a positive decimal), for range by the session.
 */
public sealed interface Pop3Command {

    /** The verb as the client wrote it, upper-cased; used in replies and logs. */
    String verb();

    record User(String name) implements Pop3Command {
        public String verb() {
            return "USER";
        }
    }

    /** PASS takes the rest of the line, spaces included (RFC 1939 section 7). */
    record Pass(String password) implements Pop3Command {
        public String verb() {
            return "PASS";
        }

        @Override
        public String toString() {
            return "Pass[***]";
        }
    }

    record Apop(String name, String digest) implements Pop3Command {
        public String verb() {
            return "APOP";
        }
    }

    record Stat() implements Pop3Command {
        public String verb() {
            return "STAT";
        }
    }

    record List(OptionalInt message) implements Pop3Command {
        public String verb() {
            return "LIST";
        }
    }

    record Retr(int message) implements Pop3Command {
        public String verb() {
            return "RETR";
        }
    }

    record Dele(int message) implements Pop3Command {
        public String verb() {
            return "DELE";
        }
    }

    record Rset() implements Pop3Command {
        public String verb() {
            return "RSET";
        }
    }

    record Noop() implements Pop3Command {
        public String verb() {
            return "NOOP";
        }
    }

    record Quit() implements Pop3Command {
        public String verb() {
            return "QUIT";
        }
    }

    record Top(int message, int lines) implements Pop3Command {
        public String verb() {
            return "TOP";
        }
    }

    record Uidl(OptionalInt message) implements Pop3Command {
        public String verb() {
            return "UIDL";
        }
    }

    record Capa() implements Pop3Command {
        public String verb() {
            return "CAPA";
        }
    }

    /** RFC 2595 STLS: switch to TLS before login. */
    record Stls() implements Pop3Command {
        public String verb() {
            return "STLS";
        }
    }

    /** A verb this server does not know (or an empty line). */
    record Unknown(String verb) implements Pop3Command {}

    /** A known verb with bad arguments; {@code reason} goes into the -ERR reply. */
    record Invalid(String verb, String reason) implements Pop3Command {}

    /** The space-separated words of {@code s} (String.split(" +") would compile a pattern per command). */
    private static String[] words(String s) {
        java.util.ArrayList<String> out = new java.util.ArrayList<>(2);
        int i = 0;
        int n = s.length();
        while (i < n) {
            while (i < n && s.charAt(i) == ' ') {
                i++;
            }
            int start = i;
            while (i < n && s.charAt(i) != ' ') {
                i++;
            }
            if (i > start) {
                out.add(s.substring(start, i));
            }
        }
        return out.toArray(new String[0]);
    }

    /** Parses one command line (CRLF already removed). */
    static Pop3Command parse(String line) {
        String trimmed = stripTrailingSpaces(line);
        int sp = trimmed.indexOf(' ');
        String verb = (sp < 0 ? trimmed : trimmed.substring(0, sp)).toUpperCase(Locale.ROOT);
        String rest = sp < 0 ? "" : trimmed.substring(sp + 1);
        String[] args = rest.isEmpty() ? new String[0] : words(rest.trim());
        switch (verb) {
            case "USER":
                if (rest.isBlank()) {
                    return new Invalid(verb, "USER needs a name");
                }
                return args.length == 1 ? new User(args[0]) : new Invalid(verb, "USER takes one name");
            case "PASS":
                // The password is everything after the single space, even if it has spaces of its own.
                String password = sp < 0 ? "" : line.substring(sp + 1);
                return password.isEmpty() ? new Invalid(verb, "PASS needs a password") : new Pass(password);
            case "APOP":
                return args.length == 2 ? new Apop(args[0], args[1]) : new Invalid(verb, "APOP takes a name and a digest");
            case "STAT":
                return noArgs(verb, args, new Stat());
            case "RSET":
                return noArgs(verb, args, new Rset());
            case "NOOP":
                return noArgs(verb, args, new Noop());
            case "QUIT":
                return noArgs(verb, args, new Quit());
            case "CAPA":
                return noArgs(verb, args, new Capa());
            case "STLS":
                return noArgs(verb, args, new Stls());
            case "LIST":
            case "UIDL":
                if (args.length > 1) {
                    return new Invalid(verb, verb + " takes at most one message number");
                }
                OptionalInt n = OptionalInt.empty();
                if (args.length == 1) {
                    int m = messageNumber(args[0]);
                    if (m < 0) {
                        return new Invalid(verb, "Invalid message number");
                    }
                    n = OptionalInt.of(m);
                }
                return verb.equals("LIST") ? new List(n) : new Uidl(n);
            case "RETR":
            case "DELE":
                if (args.length != 1) {
                    return new Invalid(verb, verb + " takes one message number");
                }
                int m = messageNumber(args[0]);
                if (m < 0) {
                    return new Invalid(verb, "Invalid message number");
                }
                return verb.equals("RETR") ? new Retr(m) : new Dele(m);
            case "TOP":
                if (args.length != 2) {
                    return new Invalid(verb, "TOP takes a message number and a line count");
                }
                int msg = messageNumber(args[0]);
                if (msg < 0) {
                    return new Invalid(verb, "Invalid message number");
                }
                int lines = nonNegative(args[1]);
                if (lines < 0) {
                    return new Invalid(verb, "Invalid line count");
                }
                return new Top(msg, lines);
            default:
                return new Unknown(verb);
        }
    }

    private static Pop3Command noArgs(String verb, String[] args, Pop3Command command) {
        return args.length == 0 ? command : new Invalid(verb, verb + " takes no arguments");
    }

    private static String stripTrailingSpaces(String s) {
        int end = s.length();
        while (end > 0 && (s.charAt(end - 1) == ' ' || s.charAt(end - 1) == '\t')) {
            end--;
        }
        return s.substring(0, end);
    }

    /** A message number (1..Integer.MAX_VALUE), or -1 when the text is not one. */
    private static int messageNumber(String s) {
        int n = nonNegative(s);
        return n >= 1 ? n : -1;
    }

    /** A non-negative decimal that fits an int (larger counts are clamped), or -1. */
    private static int nonNegative(String s) {
        if (s.isEmpty() || s.length() > 20) {
            return -1;
        }
        long v = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = Math.min(v * 10 + (c - '0'), Integer.MAX_VALUE);
        }
        return (int) v;
    }
}
