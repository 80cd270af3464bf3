package org.postroom.multipop.client;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One reply of a POP3 server (RFC 1939 §3): a single {@code +OK} or {@code -ERR} line, or a
 * multi-line {@code +OK} reply whose body is already dot-unstuffed, with CRLF line ends and without
 * the terminating {@code "."} line.
 */
public sealed interface Pop3Reply {

    /** The text after the status indicator (may be empty). */
    String text();

    default boolean isOk() {
        return !(this instanceof Err);
    }

    record Ok(String text) implements Pop3Reply {}

    record Err(String text) implements Pop3Reply {}

    /** A multi-line {@code +OK} reply (UIDL, LIST, RETR, CAPA…). */
    record Listing(String text, byte[] body) implements Pop3Reply {
        /** The body's lines without their line ends (for UIDL, LIST, CAPA). */
        public List<String> lines() {
            List<String> lines = new ArrayList<>();
            String s = new String(body, StandardCharsets.ISO_8859_1);
            int start = 0;
            while (start < s.length()) {
                int lf = s.indexOf('\n', start);
                int end = lf < 0 ? s.length() : lf;
                int cut = end > start && s.charAt(end - 1) == '\r' ? end - 1 : end;
                lines.add(s.substring(start, cut));
                start = lf < 0 ? s.length() : lf + 1;
            }
            return lines;
        }
    }
}
