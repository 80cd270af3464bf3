package org.postroom.cli;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;

/**
 * Renders the admin API's JSON ({@code GET /queue}, {@code GET /queue/ID}, {@code GET /hosts}) as the
 * readable tables {@code postroom queue} and {@code postroom hosts} print. Plain functions of the JSON.
 */
public final class QueueTables {
    private QueueTables() {
    }

    /** {@code postroom queue list}: one line per message, its recipients indented below it. */
    public static String list(JsonNode doc) {
        ListTable table = new ListTable();
        return table.page(doc, Integer.MAX_VALUE) + table.end("The queue is empty.\n", "");
    }

    /**
     * The {@code queue list} table written a page at a time, as the pages of {@code GET /queue} arrive:
     * the header before the first message, the summary line (counted over every page) at the end. Each
     * page's ages and next attempts are relative to its own {@code asOf}.
     */
    static final class ListTable {
        private int messages;
        private int pending;

        /** The lines for the first {@code max} messages of one answer (with the header if they are the first). */
        String page(JsonNode doc, int max) {
            StringBuilder out = new StringBuilder();
            Instant asOf = instant(doc.path("asOf").asText());
            int taken = 0;
            for (JsonNode m : doc.path("messages")) {
                if (taken++ == max) {
                    break;
                }
                if (messages++ == 0) {
                    out.append(String.format(Locale.ROOT, "%-26s %9s %9s %8s  %-14s %s%n",
                            "ID", "SIZE", "AGE", "ATTEMPTS", "NEXT ATTEMPT", "SENDER"));
                }
                out.append(String.format(Locale.ROOT, "%-26s %9d %9s %8d  %-14s %s%n", m.path("id").asText(),
                        m.path("size").asLong(), duration(m.path("ageSeconds").asLong()), m.path("attempts").asInt(),
                        next(m.path("nextAttempt"), asOf), sender(m.path("sender").asText())));
                for (JsonNode r : m.path("recipients")) {
                    String state = r.path("state").asText();
                    if (!state.equals("delivered") && !state.equals("failed")) {
                        pending++;
                    }
                    out.append(String.format(Locale.ROOT, "    %-10s %s", state, r.path("address").asText()));
                    if (r.path("attempts").asInt() > 0) {
                        out.append(String.format(Locale.ROOT, "  (%d attempt%s, next %s)", r.path("attempts").asInt(),
                                r.path("attempts").asInt() == 1 ? "" : "s", next(r.path("nextAttempt"), asOf)));
                    }
                    out.append('\n');
                }
            }
            return out.toString();
        }

        /** Messages written so far. */
        int messages() {
            return messages;
        }

        /**
         * The summary line, with {@code note} (e.g. " (the first 7 of 120)") before its end; or
         * {@code empty} when no message was written.
         */
        String end(String empty, String note) {
            if (messages == 0) {
                return empty;
            }
            return String.format(Locale.ROOT, "-- %d message%s, %d recipient%s to deliver%s%n", messages,
                    messages == 1 ? "" : "s", pending, pending == 1 ? "" : "s", note);
        }
    }

    /** {@code postroom queue show ID}: envelope, per-recipient state and last error, the headers. */
    public static String show(JsonNode m) {
        Instant asOf = instant(m.path("created").asText()).plusSeconds(m.path("ageSeconds").asLong());
        StringBuilder out = new StringBuilder();
        out.append("Message  ").append(m.path("id").asText()).append('\n');
        out.append("Sender   ").append(sender(m.path("sender").asText())).append('\n');
        out.append("Created  ").append(instant(m.path("created").asText()).truncatedTo(ChronoUnit.SECONDS)).append(" (")
                .append(duration(m.path("ageSeconds").asLong())).append(" ago)\n");
        out.append("Size     ").append(m.path("size").asLong()).append(" bytes\n");
        out.append("Attempts ").append(m.path("attempts").asInt()).append(", next attempt ")
                .append(next(m.path("nextAttempt"), asOf)).append("\n\n");
        out.append(String.format(Locale.ROOT, "%-10s %8s  %-14s %s%n", "STATE", "ATTEMPTS", "NEXT ATTEMPT", "RECIPIENT"));
        for (JsonNode r : m.path("recipients")) {
            String state = r.path("state").asText();
            boolean done = state.equals("delivered") || state.equals("failed");
            out.append(String.format(Locale.ROOT, "%-10s %8d  %-14s %s%n", state, r.path("attempts").asInt(),
                    done ? "-" : next(r.path("nextAttempt"), asOf), r.path("address").asText()));
            String last = r.path("lastError").asText();
            if (!last.isEmpty()) {
                out.append(String.format(Locale.ROOT, "%-10s %8s  last: %s%n", "", "", last));
            }
        }
        out.append("\nHeaders:\n");
        for (String line : m.path("headers").asText().split("\r?\n")) {
            if (!line.isEmpty()) {
                out.append("  ").append(line).append('\n');
            }
        }
        return out.toString();
    }

    /** {@code postroom hosts}: cached failures, token holders, the per-IP limit. */
    public static String hosts(JsonNode doc) {
        StringBuilder out = new StringBuilder();
        int limit = doc.path("maxConnectionsPerIp").asInt();
        out.append("Per-IP connection limit: ").append(limit == 0 ? "unlimited" : String.valueOf(limit));
        if (doc.path("trustedIps").size() > 0) {
            out.append("; trusted (").append(doc.path("trustedIpsUseConnectionLimit").asBoolean() ? "limited" : "exempt")
                    .append("):");
            doc.path("trustedIps").forEach(t -> out.append(' ').append(t.asText()));
        }
        out.append("; reserved addresses ")
                .append(doc.path("reservedIpsUseConnectionLimit").asBoolean() ? "limited" : "exempt").append("\n\n");
        JsonNode cached = doc.path("cachedFailures");
        if (cached.size() == 0) {
            out.append("No cached connection failures.\n");
        } else {
            out.append(String.format(Locale.ROOT, "%-40s %-25s %10s  %s%n", "CACHED FAILURE", "UNTIL", "EXPIRES IN", "REASON"));
            for (JsonNode f : cached) {
                out.append(String.format(Locale.ROOT, "%-40s %-25s %10s  %s%n", f.path("address").asText(),
                        f.path("failedUntil").asText(), duration(f.path("expiresInSeconds").asLong()),
                        f.path("reason").asText()));
            }
        }
        out.append('\n');
        JsonNode tokens = doc.path("tokens");
        if (tokens.size() == 0) {
            out.append("No delivery connections hold tokens.\n");
        } else {
            out.append(String.format(Locale.ROOT, "%-40s %6s%n", "TOKENS HELD FOR", "COUNT"));
            for (JsonNode t : tokens) {
                out.append(String.format(Locale.ROOT, "%-40s %6d%n", t.path("address").asText(), t.path("tokens").asInt()));
            }
            out.append(String.format(Locale.ROOT, "%-40s %6d%n", "total", doc.path("tokensInUse").asInt()));
        }
        return out.toString();
    }

    static String sender(String s) {
        return s.isEmpty() ? "<>" : s;
    }

    /** "now" when due, else "in 4m 10s". */
    static String next(JsonNode at, Instant asOf) {
        if (at.isNull() || at.isMissingNode() || at.asText().isEmpty()) {
            return "-";
        }
        long s = Duration.between(asOf, instant(at.asText())).toSeconds();
        return s <= 0 ? "now" : "in " + duration(s);
    }

    /** 42s, 5m 12s, 3h 04m, 2d 07h. */
    static String duration(long seconds) {
        long s = Math.max(0, seconds);
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return String.format(Locale.ROOT, "%dm %02ds", s / 60, s % 60);
        }
        if (s < 86400) {
            return String.format(Locale.ROOT, "%dh %02dm", s / 3600, (s % 3600) / 60);
        }
        return String.format(Locale.ROOT, "%dd %02dh", s / 86400, (s % 86400) / 3600);
    }

    private static Instant instant(String s) {
        try {
            return Instant.parse(s);
        } catch (RuntimeException e) {
            return Instant.now();
        }
    }
}
