package org.postroom.hosthealth;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.postroom.config.Settings;
import org.postroom.metrics.Metrics;

import java.net.InetAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The one owner of the outbound failure cache ({@link FailureCache}) and the per-IP connection
 * tokens ({@link TokenLedger}), so both hold exactly under any concurrency.
 *
 * <p>Accepts: {@link Acquire} (answers {@link Granted}, {@link Denied} or {@link Cached}),
 * {@link Release}, {@link ReportFailure}, {@link ReportSuccess}, {@link IsCached} (answers
 * {@link CacheStatus}), {@link UpdateSettings}, and for the operator {@link GetSnapshot} (answers
 * {@link Snapshot}: cached failures with expiry and reason, tokens per IP, the per-IP rules) and
 * {@link Forget} (clears one address's cached failure; answers {@link Forgotten}). It watches every token holder: a holder that stops or
 * crashes gets all its tokens returned. Publishes {@code cachedFailures}, {@code tokensInUse},
 * {@code tokenDenials} and a {@code hosthealth} /status section (cached hosts with expiry, IPs holding
 * tokens).
 */
public final class HostHealth extends AbstractBehavior<HostHealth.Command> {

    public interface Command {}

    /** Asks for a token to dial {@code address}; checks the failure cache first. */
    public record Acquire(InetAddress address, ActorRef<?> holder, ActorRef<AcquireReply> replyTo) implements Command {}

    public record Release(InetAddress address, ActorRef<?> holder) implements Command {}

    /** A failed connection to {@code address}; {@code reason} is shown to the operator ({@code postroom hosts}). */
    public record ReportFailure(InetAddress address, String reason) implements Command {
        public ReportFailure(InetAddress address) {
            this(address, "");
        }
    }

    public record ReportSuccess(InetAddress address) implements Command {}

    public record IsCached(InetAddress address, ActorRef<CacheStatus> replyTo) implements Command {}

    public record CacheStatus(InetAddress address, boolean cached) {}

    public record UpdateSettings(Settings.OutboundSettings outbound) implements Command {}

    /** Answers a {@link Snapshot} of the failure cache and the token holders (admin {@code GET /hosts}). */
    public record GetSnapshot(ActorRef<Snapshot> replyTo) implements Command {}

    /** Clears the cached failure of {@code address}, the operator's way. Answers {@link Forgotten}. */
    public record Forget(InetAddress address, ActorRef<Forgotten> replyTo) implements Command {}

    public record CachedFailure(InetAddress address, java.time.Instant failedUntil, String reason) {}

    /**
     * The host-health state as of {@code asOf}: live cached failures, tokens held per address, and the
     * rules of the per-IP limit ({@code limit} 0 = unlimited).
     */
    public record Snapshot(java.time.Instant asOf, List<CachedFailure> cachedFailures, Map<InetAddress, Integer> tokens,
                           int limit, List<String> trustedIps, boolean trustedIpsUseConnectionLimit,
                           boolean reservedIpsUseConnectionLimit) {
        public Snapshot {
            cachedFailures = List.copyOf(cachedFailures);
            tokens = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(tokens));
            trustedIps = List.copyOf(trustedIps);
        }
    }

    /** {@code wasCached}: whether the address had a live cached failure that is now gone. */
    public record Forgotten(InetAddress address, boolean wasCached) {}

    private record HolderTerminated(ActorRef<?> holder) implements Command {}

    /** Refreshes the gauges and /status, so expired cache entries leave them without a request. */
    private enum Refresh implements Command { INSTANCE }

    public sealed interface AcquireReply permits Granted, Denied, Cached {
        InetAddress address();
    }

    public record Granted(InetAddress address) implements AcquireReply {}

    /** No free token for this address. */
    public record Denied(InetAddress address) implements AcquireReply {}

    /** The address is in the failure cache. */
    public record Cached(InetAddress address) implements AcquireReply {}

    public static Behavior<Command> create(Settings.OutboundSettings outbound, Metrics metrics, Clock clock) {
        return Behaviors.<Command>supervise(
                        Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
                            timers.startTimerWithFixedDelay(Refresh.INSTANCE, java.time.Duration.ofSeconds(1));
                            return new HostHealth(ctx, outbound, metrics, clock);
                        })))
                .onFailure(SupervisorStrategy.restart());
    }

    private final FailureCache cache;
    private final TokenLedger<ActorRef<?>> ledger;
    private final Metrics metrics;
    private final Clock clock;
    private Settings.OutboundSettings outbound;
    /** Why each cached address failed (entries may outlive the cache's; read through the cache). */
    private final Map<InetAddress, String> reasons = new java.util.HashMap<>();
    private final Set<ActorRef<?>> watched = new HashSet<>();
    private volatile Map<String, Object> status = Map.of();

    private HostHealth(ActorContext<Command> ctx, Settings.OutboundSettings outbound, Metrics metrics, Clock clock) {
        super(ctx);
        this.metrics = metrics;
        this.clock = clock;
        this.outbound = outbound;
        this.cache = new FailureCache(clock, outbound.failureCache());
        this.ledger = new TokenLedger<>(rules(outbound));
        // A restart loses the ledger: every former holder must ask again, so the gauges start over.
        metrics.tokensInUse().set(0);
        metrics.cachedFailures().set(0);
        metrics.addStatusSection("hosthealth", () -> status);
        publish();
    }

    private static TokenLedger.Rules rules(Settings.OutboundSettings o) {
        return TokenLedger.Rules.of(o.maxConnectionsPerIp(), o.trustedIps(),
                o.trustedIpsUseConnectionLimit(), o.reservedIpsUseConnectionLimit());
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Acquire.class, this::onAcquire)
                .onMessage(Release.class, this::onRelease)
                .onMessage(ReportFailure.class, this::onFailure)
                .onMessage(ReportSuccess.class, this::onSuccess)
                .onMessage(IsCached.class, this::onIsCached)
                .onMessage(UpdateSettings.class, this::onUpdate)
                .onMessage(HolderTerminated.class, this::onHolderTerminated)
                .onMessage(GetSnapshot.class, this::onGetSnapshot)
                .onMessage(Forget.class, this::onForget)
                .onMessageEquals(Refresh.INSTANCE, () -> {
                    publish();
                    return this;
                })
                .build();
    }

    private Behavior<Command> onAcquire(Acquire m) {
        AcquireReply reply;
        if (cache.isCached(m.address())) {
            reply = new Cached(m.address());
        } else if (ledger.tryAcquire(m.holder(), m.address())) {
            if (watched.add(m.holder())) {
                getContext().watchWith(m.holder(), new HolderTerminated(m.holder()));
            }
            reply = new Granted(m.address());
        } else {
            metrics.tokenDenials().incrementAndGet();
            reply = new Denied(m.address());
        }
        // Figures first, so whoever sees the reply also sees them.
        publish();
        m.replyTo().tell(reply);
        return this;
    }

    private Behavior<Command> onRelease(Release m) {
        ledger.release(m.holder(), m.address());
        publish();
        return this;
    }

    private Behavior<Command> onFailure(ReportFailure m) {
        cache.recordFailure(m.address());
        reasons.put(m.address(), m.reason() == null ? "" : m.reason());
        publish();
        return this;
    }

    private Behavior<Command> onSuccess(ReportSuccess m) {
        cache.clear(m.address());
        reasons.remove(m.address());
        publish();
        return this;
    }

    private Behavior<Command> onGetSnapshot(GetSnapshot m) {
        List<CachedFailure> cached = new ArrayList<>();
        Map<InetAddress, java.time.Instant> live = cache.snapshot();
        reasons.keySet().retainAll(live.keySet());
        live.forEach((ip, until) -> cached.add(new CachedFailure(ip, until, reasons.getOrDefault(ip, ""))));
        publish();
        m.replyTo().tell(new Snapshot(clock.instant(), cached, ledger.snapshot(), outbound.maxConnectionsPerIp(),
                outbound.trustedIps(), outbound.trustedIpsUseConnectionLimit(),
                outbound.reservedIpsUseConnectionLimit()));
        return this;
    }

    private Behavior<Command> onForget(Forget m) {
        boolean was = cache.isCached(m.address());
        cache.clear(m.address());
        reasons.remove(m.address());
        if (was) {
            getContext().getLog().info("cached failure of {} forgotten by the operator", m.address().getHostAddress());
        }
        publish();
        m.replyTo().tell(new Forgotten(m.address(), was));
        return this;
    }

    private Behavior<Command> onIsCached(IsCached m) {
        boolean cached = cache.isCached(m.address());
        publish();
        m.replyTo().tell(new CacheStatus(m.address(), cached));
        return this;
    }

    private Behavior<Command> onUpdate(UpdateSettings m) {
        outbound = m.outbound();
        cache.setTtl(m.outbound().failureCache());
        ledger.setRules(rules(m.outbound()));
        publish();
        return this;
    }

    private Behavior<Command> onHolderTerminated(HolderTerminated m) {
        watched.remove(m.holder());
        int n = ledger.releaseAll(m.holder());
        if (n > 0) {
            getContext().getLog().debug("{} stopped holding {} token(s); returned", m.holder().path(), n);
        }
        publish();
        return this;
    }

    private void publish() {
        metrics.cachedFailures().set(cache.size());
        metrics.tokensInUse().set(ledger.totalInUse());
        List<Map<String, Object>> cached = new ArrayList<>();
        Map<InetAddress, java.time.Instant> live = cache.snapshot();
        // Reasons of expired entries go with them (publish runs every second).
        reasons.keySet().retainAll(live.keySet());
        live.forEach((ip, until) -> {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("ip", ip.getHostAddress());
            row.put("failedUntil", until.toString());
            row.put("reason", reasons.getOrDefault(ip, ""));
            cached.add(row);
        });
        Map<String, Object> tokens = new LinkedHashMap<>();
        ledger.snapshot().forEach((ip, n) -> tokens.put(ip.getHostAddress(), n));
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("cachedHosts", cached);
        s.put("tokens", tokens);
        status = s;
    }
}
