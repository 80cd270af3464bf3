package org.postroom.imap.codec;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** Encoding of IMAP response values: NIL, quoted strings, literals, dates. */
public final class ImapStrings {
    private static final DateTimeFormatter INTERNAL_DATE =
            DateTimeFormatter.ofPattern("dd-MMM-yyyy HH:mm:ss Z", Locale.ENGLISH);

    private ImapStrings() {
    }

    /** NIL for null, a quoted string when it can be one, else a literal. */
    public static String nstring(String s) {
        return s == null ? "NIL" : string(s);
    }

    /** A quoted string, or a literal for text with CR, LF, NUL, 8-bit characters or a great length. */
    public static String string(String s) {
        boolean literal = s.length() > 1000;
        for (int i = 0; i < s.length() && !literal; i++) {
            char c = s.charAt(i);
            if (c == '\r' || c == '\n' || c == 0 || c > 126) {
                literal = true;
            }
        }
        if (literal) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            return "{" + b.length + "}\r\n" + s;
        }
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\');
            }
            sb.append(c);
        }
        return sb.append('"').toString();
    }

    /** A mailbox name as an astring: an atom when safe, else a string. */
    public static String astring(String s) {
        if (!s.isEmpty() && s.chars().allMatch(c -> c > ' ' && c < 127 && "(){%*\"\\".indexOf(c) < 0)) {
            return s;
        }
        return string(s);
    }

    /** {@code "17-Jul-1996 02:44:25 -0700"} in the server's time zone. */
    public static String internalDate(long epochMillis) {
        return "\"" + INTERNAL_DATE.format(Instant.ofEpochMilli(epochMillis).atZone(ZoneId.systemDefault())) + "\"";
    }
}
