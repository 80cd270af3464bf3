package org.postroom.metrics;

import java.util.List;

/**
 * Every metric name of the contract (DESIGN.md), in Micrometer's dotted form; the Prometheus registry
 * renders {@code postroom.sessions.active} as {@code postroom_sessions_active} and adds {@code _total}
 * to counters. Renaming any of these breaks users' dashboards: add, never rename.
 */
public final class MetricNames {
    private MetricNames() {
    }

    public static final String SESSIONS_ACTIVE = "postroom.sessions.active";
    public static final String SESSIONS_LIMIT = "postroom.sessions.limit";
    public static final String SESSIONS_PEAK = "postroom.sessions.peak";
    public static final String SESSIONS_ACCEPTED = "postroom.sessions.accepted";
    public static final String SESSIONS_REFUSED = "postroom.sessions.refused";
    public static final String QUEUE_MESSAGES = "postroom.queue.messages";
    public static final String DELIVERIES = "postroom.deliveries";
    public static final String HOSTHEALTH_CACHED_FAILURES = "postroom.hosthealth.cached.failures";
    public static final String HOSTHEALTH_TOKENS_IN_USE = "postroom.hosthealth.tokens.in.use";
    public static final String HOSTHEALTH_TOKEN_DENIALS = "postroom.hosthealth.token.denials";
    public static final String MULTIPOP_MESSAGES = "postroom.multipop.messages";
    /** Time from a connection's accept to its listener's admit/refuse decision. */
    public static final String ADMISSION_WAIT = "postroom.admission.wait";
    /** Refused connections only: time from accept to the Server Too Busy line written and the socket closed. */
    public static final String REFUSAL_WAIT = "postroom.refusal.wait";

    public static final String KIND = "kind";
    public static final String RESULT = "result";

    /** Session kinds, each with the full set of session series from the start. */
    public static final List<String> KINDS = List.of("smtp", "msa", "pop3", "imap", "smtp-out", "multipop",
            "smtps", "pop3s", "imaps");
    public static final List<String> DELIVERY_RESULTS = List.of("delivered", "deferred", "bounced");
}
