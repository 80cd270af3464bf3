package org.postroom.hosthealth;

import org.postroom.net.IpRange;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Per-IP connection tokens: at most {@code limit} simultaneous delivery connections to one address
 * ({@code 0} = unlimited). Trusted addresses and ranges are exempt unless
 * {@code trustedUseLimit}; reserved addresses ({@link IpRange#isReserved}) are exempt unless
 * {@code reservedUseLimit}. Exempt grants are still recorded so that a holder's release and the
 * tokens-in-use figure stay exact. Plain Java, not thread-safe: owned by {@link HostHealth}.
 *
 * @param <H> who holds a token (an actor ref in the engine, anything in tests)
 */
public final class TokenLedger<H> {

    /** The ledger's rules, replaceable on a live engine. */
    public record Rules(int limit, List<IpRange> trusted, boolean trustedUseLimit, boolean reservedUseLimit) {
        public static Rules of(int limit, List<String> trusted, boolean trustedUseLimit, boolean reservedUseLimit) {
            List<IpRange> ranges = new ArrayList<>();
            for (String t : trusted) {
                ranges.add(IpRange.parse(t));
            }
            return new Rules(limit, List.copyOf(ranges), trustedUseLimit, reservedUseLimit);
        }

        boolean limited(InetAddress address) {
            if (limit <= 0) {
                return false;
            }
            if (!trustedUseLimit && trusted.stream().anyMatch(r -> r.contains(address))) {
                return false;
            }
            return reservedUseLimit || !IpRange.isReserved(address);
        }
    }

    private Rules rules;
    private final Map<InetAddress, Integer> inUse = new HashMap<>();
    private final Map<H, Map<InetAddress, Integer>> byHolder = new HashMap<>();
    private int total;

    public TokenLedger(Rules rules) {
        this.rules = rules;
    }

    public void setRules(Rules rules) {
        this.rules = rules;
    }

    /** Takes a token for {@code address} when one is free (or the address is exempt). */
    public boolean tryAcquire(H holder, InetAddress address) {
        int current = inUse.getOrDefault(address, 0);
        if (rules.limited(address) && current >= rules.limit()) {
            return false;
        }
        inUse.merge(address, 1, Integer::sum);
        byHolder.computeIfAbsent(holder, h -> new HashMap<>()).merge(address, 1, Integer::sum);
        total++;
        return true;
    }

    /** Returns one token of {@code holder} for {@code address}; unknown releases are ignored. */
    public void release(H holder, InetAddress address) {
        Map<InetAddress, Integer> held = byHolder.get(holder);
        if (held == null || !held.containsKey(address)) {
            return;
        }
        if (held.merge(address, -1, Integer::sum) <= 0) {
            held.remove(address);
        }
        if (held.isEmpty()) {
            byHolder.remove(holder);
        }
        decrement(address, 1);
    }

    /** Returns every token of {@code holder} (it stopped or died); the number returned. */
    public int releaseAll(H holder) {
        Map<InetAddress, Integer> held = byHolder.remove(holder);
        if (held == null) {
            return 0;
        }
        int n = 0;
        for (Map.Entry<InetAddress, Integer> e : held.entrySet()) {
            decrement(e.getKey(), e.getValue());
            n += e.getValue();
        }
        return n;
    }

    public boolean holds(H holder) {
        return byHolder.containsKey(holder);
    }

    public int inUse(InetAddress address) {
        return inUse.getOrDefault(address, 0);
    }

    public int totalInUse() {
        return total;
    }

    /** Address → tokens held, for /status. */
    public Map<InetAddress, Integer> snapshot() {
        return new LinkedHashMap<>(inUse);
    }

    private void decrement(InetAddress address, int n) {
        total -= n;
        if (inUse.merge(address, -n, Integer::sum) <= 0) {
            inUse.remove(address);
        }
    }
}
