package org.postroom.inbound;

import org.postroom.config.Settings;
import org.postroom.net.IpRange;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The per-client-IP part of one listener's admission decision (issue 6): at most
 * {@code max-sessions-per-ip} sessions at once from one address, and at most
 * {@code max-connections-per-minute-per-ip} admitted connections from it in any sliding minute (0 =
 * unlimited for both). Addresses in {@code inbound.trusted-ips} are exempt unless
 * {@code trusted-ips-use-connection-limit}; reserved ones ({@link IpRange#isReserved}: loopback,
 * intranets) unless {@code reserved-ips-use-connection-limit}. A refused connection is answered exactly
 * like Server Too Busy by the guardian.
 *
 * <p>Plain and single-threaded, like {@link AdmissionPolicy}: only its guardian calls it. Memory is
 * bounded by the addresses with open sessions plus those seen in the last minute (each keeps at most
 * the rate limit's number of time stamps); idle entries are dropped as they expire.
 */
public final class PerIpAdmission {

    /** The limits of one listener, read from its settings (reloadable as a whole). */
    public record Limits(int maxSessionsPerIp, int maxConnectionsPerMinute, List<IpRange> trusted,
                         boolean trustedUseLimit, boolean reservedUseLimit) {

        public static final Limits NONE = new Limits(0, 0, List.of(), false, false);

        public static Limits of(Settings.ListenerSettings listener, Settings.InboundSecurity security) {
            return new Limits(listener.maxSessionsPerIp(), listener.maxConnectionsPerMinutePerIp(),
                    security.trustedIps().stream().map(IpRange::parse).toList(),
                    security.trustedIpsUseConnectionLimit(), security.reservedIpsUseConnectionLimit());
        }

        boolean unlimited() {
            return maxSessionsPerIp == 0 && maxConnectionsPerMinute == 0;
        }
    }

    /** The outcome for one new connection. */
    public enum Decision {
        ADMIT,
        /** {@code max-sessions-per-ip} sessions from this address are open. */
        TOO_MANY_SESSIONS,
        /** {@code max-connections-per-minute-per-ip} connections from this address in the last minute. */
        TOO_MANY_CONNECTIONS;

        public boolean admitted() {
            return this == ADMIT;
        }
    }

    static final Duration WINDOW = Duration.ofMinutes(1);
    /** Above this many tracked addresses, every call first drops expired entries. */
    private static final int SWEEP_ABOVE = 4096;

    private final Clock clock;
    private Limits limits;
    private final Map<InetAddress, Integer> open = new HashMap<>();
    private final Map<InetAddress, ArrayDeque<Long>> recent = new HashMap<>();

    public PerIpAdmission(Limits limits, Clock clock) {
        this.limits = limits;
        this.clock = clock;
    }

    /**
     * Decides on a new connection from {@code address}. An admitted one is counted (sessions and rate)
     * at once; the caller must {@link #release} it exactly once when its session ends, or when the
     * listener-wide admission refuses it after all.
     */
    public Decision tryAdmit(InetAddress address) {
        if (limits.unlimited() || exempt(address)) {
            return Decision.ADMIT;
        }
        long now = clock.millis();
        if (recent.size() > SWEEP_ABOVE) {
            sweep(now);
        }
        if (limits.maxSessionsPerIp() > 0 && open.getOrDefault(address, 0) >= limits.maxSessionsPerIp()) {
            return Decision.TOO_MANY_SESSIONS;
        }
        if (limits.maxConnectionsPerMinute() > 0) {
            ArrayDeque<Long> stamps = recent.computeIfAbsent(address, a -> new ArrayDeque<>());
            expire(stamps, now);
            if (stamps.size() >= limits.maxConnectionsPerMinute()) {
                return Decision.TOO_MANY_CONNECTIONS;
            }
            stamps.addLast(now);
        }
        if (limits.maxSessionsPerIp() > 0) {
            open.merge(address, 1, Integer::sum);
        }
        return Decision.ADMIT;
    }

    /** The session from {@code address} admitted by {@link #tryAdmit} has ended. */
    public void release(InetAddress address) {
        open.computeIfPresent(address, (a, n) -> n <= 1 ? null : n - 1);
    }

    /** New limits for new connections; open sessions stay (and still count). */
    public void setLimits(Limits limits) {
        this.limits = limits;
    }

    public Limits limits() {
        return limits;
    }

    /** Sessions open from {@code address} as counted here (0 for exempt addresses). */
    public int openFrom(InetAddress address) {
        return open.getOrDefault(address, 0);
    }

    /** Addresses currently tracked (for tests and /status). */
    public int trackedAddresses() {
        Map<InetAddress, Boolean> all = new HashMap<>();
        open.keySet().forEach(a -> all.put(a, true));
        recent.keySet().forEach(a -> all.put(a, true));
        return all.size();
    }

    /** True when {@code address} is exempt from the per-IP limits. */
    public boolean exempt(InetAddress address) {
        if (!limits.trustedUseLimit() && limits.trusted().stream().anyMatch(r -> r.contains(address))) {
            return true;
        }
        return !limits.reservedUseLimit() && IpRange.isReserved(address);
    }

    private void expire(ArrayDeque<Long> stamps, long now) {
        long oldest = now - WINDOW.toMillis();
        while (!stamps.isEmpty() && stamps.peekFirst() <= oldest) {
            stamps.pollFirst();
        }
    }

    private void sweep(long now) {
        Iterator<Map.Entry<InetAddress, ArrayDeque<Long>>> it = recent.entrySet().iterator();
        while (it.hasNext()) {
            ArrayDeque<Long> stamps = it.next().getValue();
            expire(stamps, now);
            if (stamps.isEmpty()) {
                it.remove();
            }
        }
    }
}
