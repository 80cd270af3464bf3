package org.postroom.metrics.actors;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.postroom.metrics.Metrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes the actor figures the {@link InstrumentedMailbox} collects: per actor kind, live actors,
 * actors started, messages processed and mailbox depth, in {@code /metrics} ({@link ActorMetricNames}),
 * in {@code /status} (section {@code actors}), and, with every other engine series, over JMX under
 * {@code postroom.actor-metrics.jmx-domain}. Call {@link #install} once per engine, after the actor
 * system exists; the JMX MBeans go away when the system terminates.
 */
public final class ActorMetrics {
    private static final Logger LOG = LoggerFactory.getLogger(ActorMetrics.class);

    private ActorMetrics() {
    }

    private static final String TYPED_MAILBOX = "pekko.actor.typed.default-mailbox";
    private static final String CLASSIC_MAILBOX = "pekko.actor.default-mailbox";

    /**
     * The actor system's config: {@code root} with the {@link InstrumentedMailbox} around the typed and
     * classic default mailboxes (each keeps the queue it had as its delegate), unless
     * {@code postroom.actor-metrics.enabled = false}. Done here rather than in reference.conf because a
     * fat jar appends every reference.conf, and Pekko's own, appended later, would win.
     */
    public static Config systemConfig(Config root) {
        if (root.hasPath("postroom.actor-metrics.enabled") && !root.getBoolean("postroom.actor-metrics.enabled")) {
            return root;
        }
        return instrument(instrument(root, TYPED_MAILBOX), CLASSIC_MAILBOX);
    }

    private static Config instrument(Config root, String section) {
        String type = root.hasPath(section + ".mailbox-type") ? root.getString(section + ".mailbox-type") : "";
        String mine = InstrumentedMailbox.class.getName();
        if (type.equals(mine)) {
            return root;
        }
        Config c = root.withValue(section + ".mailbox-type", ConfigValueFactory.fromAnyRef(mine));
        return type.isBlank() ? c : c.withValue(section + ".delegate-mailbox-type", ConfigValueFactory.fromAnyRef(type));
    }

    public static ActorStats install(ActorSystem<?> system, Metrics metrics) {
        Config config = system.settings().config();
        ActorStats stats = ActorStats.of(Adapter.toClassic(system));
        // Every kind the rules name exists from the start, at zero, as the contract series do.
        ActorClassifier.fromConfig(config).fixedLabels().forEach(stats::kind);
        metrics.bind(registry -> stats.onKind(kind -> register(registry, kind)));
        metrics.addStatusSection("actors", stats::snapshot);
        if (!instrumented(config)) {
            LOG.info("actor metrics off (postroom.actor-metrics.enabled = false): the figures stay at zero");
        }
        String domain = config.hasPath("postroom.actor-metrics.jmx-domain")
                ? config.getString("postroom.actor-metrics.jmx-domain") : "";
        if (!domain.isBlank()) {
            JmxMirror jmx = JmxMirror.start(metrics.registry(), domain);
            system.getWhenTerminated().whenComplete((done, e) -> jmx.close());
        }
        return stats;
    }

    private static boolean instrumented(Config config) {
        String key = TYPED_MAILBOX + ".mailbox-type";
        return config.hasPath(key) && config.getString(key).equals(InstrumentedMailbox.class.getName());
    }

    static void register(MeterRegistry registry, ActorKindStats kind) {
        Gauge.builder(ActorMetricNames.LIVE, kind, ActorKindStats::live).strongReference(true)
                .description("Actors of this kind alive now").tag(ActorMetricNames.ACTOR, kind.kind())
                .register(registry);
        FunctionCounter.builder(ActorMetricNames.STARTED, kind, ActorKindStats::started)
                .description("Actors of this kind started").tag(ActorMetricNames.ACTOR, kind.kind())
                .register(registry);
        FunctionCounter.builder(ActorMetricNames.MESSAGES, kind, ActorKindStats::processed)
                .description("Messages processed by actors of this kind").tag(ActorMetricNames.ACTOR, kind.kind())
                .register(registry);
        Gauge.builder(ActorMetricNames.MAILBOX_DEPTH, kind, ActorKindStats::mailboxDepth).strongReference(true)
                .description("Messages waiting in the mailboxes of this kind's actors")
                .tag(ActorMetricNames.ACTOR, kind.kind()).register(registry);
    }
}
