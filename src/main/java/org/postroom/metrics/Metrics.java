package org.postroom.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The engine's metrics: a Prometheus registry with every contract series registered at zero from the
 * start, the per-kind {@link SessionCounters}, and the sections of {@code /status}. Thread-safe.
 * Parts of the engine publish their figures here (gauges read atomics they update; counters count).
 */
public final class Metrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Map<String, SessionCounters> sessions = new LinkedHashMap<>();
    private final Map<String, Counter> deliveries = new LinkedHashMap<>();
    private final AtomicLong queueMessages = new AtomicLong();
    private final AtomicLong cachedFailures = new AtomicLong();
    private final AtomicLong tokensInUse = new AtomicLong();
    private final AtomicLong tokenDenials = new AtomicLong();
    private final Counter multipopMessages;
    private final Map<String, Supplier<Object>> statusSections = new ConcurrentHashMap<>();

    public Metrics() {
        for (String kind : MetricNames.KINDS) {
            SessionCounters c = new SessionCounters(kind);
            sessions.put(kind, c);
            Gauge.builder(MetricNames.SESSIONS_ACTIVE, c, SessionCounters::active)
                    .description("Sessions open now").tag(MetricNames.KIND, kind).register(registry);
            Gauge.builder(MetricNames.SESSIONS_LIMIT, c, SessionCounters::limit)
                    .description("Configured most sessions at once").tag(MetricNames.KIND, kind).register(registry);
            Gauge.builder(MetricNames.SESSIONS_PEAK, c, SessionCounters::peak)
                    .description("Most sessions open at once since start").tag(MetricNames.KIND, kind).register(registry);
            FunctionCounter.builder(MetricNames.SESSIONS_ACCEPTED, c, SessionCounters::accepted)
                    .description("Sessions started").tag(MetricNames.KIND, kind).register(registry);
            FunctionCounter.builder(MetricNames.SESSIONS_REFUSED, c, SessionCounters::refusedCount)
                    .description("Connections refused with Server Too Busy").tag(MetricNames.KIND, kind).register(registry);
        }
        for (String result : MetricNames.DELIVERY_RESULTS) {
            deliveries.put(result, Counter.builder(MetricNames.DELIVERIES)
                    .description("Outbound delivery results per recipient").tag(MetricNames.RESULT, result)
                    .register(registry));
        }
        Gauge.builder(MetricNames.QUEUE_MESSAGES, queueMessages, AtomicLong::get)
                .description("Messages in the outbound queue").register(registry);
        Gauge.builder(MetricNames.HOSTHEALTH_CACHED_FAILURES, cachedFailures, AtomicLong::get)
                .description("Addresses in the connection failure cache").register(registry);
        Gauge.builder(MetricNames.HOSTHEALTH_TOKENS_IN_USE, tokensInUse, AtomicLong::get)
                .description("Per-IP connection tokens held").register(registry);
        FunctionCounter.builder(MetricNames.HOSTHEALTH_TOKEN_DENIALS, tokenDenials, AtomicLong::get)
                .description("Connections skipped for lack of a per-IP token").register(registry);
        multipopMessages = Counter.builder(MetricNames.MULTIPOP_MESSAGES)
                .description("Messages collected by MultiPOP").register(registry);
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /**
     * Registers more meters on the engine's registry (actor metrics, for one): they appear in
     * {@code /metrics} and, through the JMX mirror, over JMX.
     */
    public void bind(io.micrometer.core.instrument.binder.MeterBinder binder) {
        binder.bindTo(registry);
    }

    /** Prometheus text exposition of every series. */
    public String scrape() {
        return registry.scrape();
    }

    private final Map<String, io.micrometer.core.instrument.Timer> admissionWaits = new ConcurrentHashMap<>();

    /**
     * How long accepted connections of a listener waited for its guardian's admit/refuse decision
     * ({@code postroom_admission_wait_seconds{kind,quantile}}: p50/p99 over the last minute, plus count,
     * sum and max): the server-side share of the time a refused client waits for "Server Too Busy".
     */
    public io.micrometer.core.instrument.Timer admissionWait(String kind) {
        return admissionWaits.computeIfAbsent(kind, k -> lastMinuteTimer(MetricNames.ADMISSION_WAIT,
                "Time from accept to the listener's admit/refuse decision", k));
    }

    /** A per-listener timer with p50/p99 over the last minute, plus count, sum and max. */
    private io.micrometer.core.instrument.Timer lastMinuteTimer(String name, String description, String kind) {
        return io.micrometer.core.instrument.Timer.builder(name)
                .description(description)
                .tag(MetricNames.KIND, kind)
                .publishPercentiles(0.5, 0.99)
                .distributionStatisticExpiry(java.time.Duration.ofMinutes(1))
                .distributionStatisticBufferLength(3)
                .register(registry);
    }

    private final Map<String, io.micrometer.core.instrument.Timer> refusalWaits = new ConcurrentHashMap<>();

    /**
     * For refused connections only: from accept to the "Server Too Busy" line written and the socket
     * closed ({@code postroom_refusal_wait_seconds{kind,quantile}}, p50/p99 over the last minute). Unlike
     * {@link #admissionWait}, a burst of admissions (and the sessions they start) does not count here.
     */
    public io.micrometer.core.instrument.Timer refusalWait(String kind) {
        return refusalWaits.computeIfAbsent(kind, k -> lastMinuteTimer(MetricNames.REFUSAL_WAIT,
                "Time from accept to the Server Too Busy reply written", k));
    }

    public SessionCounters sessions(String kind) {
        SessionCounters c = sessions.get(kind);
        if (c == null) {
            throw new IllegalArgumentException("unknown session kind " + kind);
        }
        return c;
    }

    public Map<String, SessionCounters> allSessions() {
        return sessions;
    }

    /** One delivery result for one recipient: delivered, deferred or bounced. */
    public void delivery(String result) {
        Counter c = deliveries.get(result);
        if (c == null) {
            throw new IllegalArgumentException("unknown delivery result " + result);
        }
        c.increment();
    }

    public double deliveries(String result) {
        return deliveries.get(result).count();
    }

    public AtomicLong queueMessages() {
        return queueMessages;
    }

    public AtomicLong cachedFailures() {
        return cachedFailures;
    }

    public AtomicLong tokensInUse() {
        return tokensInUse;
    }

    public AtomicLong tokenDenials() {
        return tokenDenials;
    }

    public Counter multipopMessages() {
        return multipopMessages;
    }

    /**
     * Adds a section to {@code /status}; the supplier is called on the HTTP thread, so it must read a
     * thread-safe snapshot (for example a volatile field the owning actor replaces).
     */
    public void addStatusSection(String name, Supplier<Object> snapshot) {
        statusSections.put(name, snapshot);
    }

    /** The {@code /status} document: sessions per kind, outbound figures, and the added sections. */
    public Map<String, Object> status() {
        Map<String, Object> doc = new LinkedHashMap<>();
        Map<String, Object> s = new LinkedHashMap<>();
        for (SessionCounters c : sessions.values()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("active", c.active());
            row.put("limit", c.limit());
            row.put("peak", c.peak());
            row.put("accepted", c.accepted());
            row.put("refused", c.refusedCount());
            s.put(c.kind(), row);
        }
        doc.put("sessions", s);
        doc.put("queue", Map.of("messages", queueMessages.get()));
        Map<String, Object> d = new LinkedHashMap<>();
        deliveries.forEach((k, v) -> d.put(k, (long) v.count()));
        doc.put("deliveries", d);
        Map<String, Object> hh = new LinkedHashMap<>();
        hh.put("cachedFailures", cachedFailures.get());
        hh.put("tokensInUse", tokensInUse.get());
        hh.put("tokenDenials", tokenDenials.get());
        doc.put("hosthealth", hh);
        doc.put("multipop", new LinkedHashMap<>(Map.of("messages", (long) multipopMessages.count())));
        new java.util.TreeMap<>(statusSections).forEach((k, v) -> {
            Object existing = doc.get(k);
            Object added = v.get();
            if (existing instanceof Map<?, ?> em && added instanceof Map<?, ?> am) {
                @SuppressWarnings("unchecked")
                Map<String, Object> merged = new LinkedHashMap<>((Map<String, Object>) em);
                am.forEach((ak, av) -> merged.put(String.valueOf(ak), av));
                doc.put(k, merged);
            } else {
                doc.put(k, added);
            }
        });
        return doc;
    }
}
