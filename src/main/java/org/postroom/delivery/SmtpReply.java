package org.postroom.delivery;

import java.util.List;

/** A complete SMTP reply from a remote server: its code and text lines (without code and CRLF). */
public record SmtpReply(int code, List<String> lines) {
    public SmtpReply {
        lines = List.copyOf(lines);
    }

    public boolean positive() {
        return code >= 200 && code < 400;
    }

    public boolean transient4xx() {
        return code >= 400 && code < 500;
    }

    public boolean permanent5xx() {
        return code >= 500;
    }

    /** "550 5.1.1 no such user" (first line), for logs, queue state and DSNs. */
    public String summary() {
        return code + (lines.isEmpty() ? "" : " " + lines.get(0));
    }

    @Override
    public String toString() {
        return summary();
    }
}
