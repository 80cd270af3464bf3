package org.postroom.auth;

import org.postroom.config.Settings;

import java.time.Clock;
import java.time.Duration;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Failed-login throttling shared by every protocol (SMTP AUTH on the MSA, POP3 USER/PASS and APOP,
 * IMAP LOGIN): failures are counted per client IP and per account name. Each failure earns a growing
 * pause before its answer ({@code inbound.auth.delay}, doubling, at most {@code inbound.auth.max-delay});
 * {@code inbound.auth.max-failures} failures of one IP or one account lock it out for
 * {@code inbound.auth.lockout}: every attempt gets the protocol's temporary refusal without the
 * password being checked. A success clears the account's and the IP's failures. Failures older than
 * the lockout period are forgotten.
 *
 * <p>Thread-safe (sessions call it from the blocking dispatcher); the clock is injected for tests.
 * Memory: one small entry per IP or account name that failed within the lockout period; above
 * {@link #MAX_ENTRIES} expired entries are swept first, and if that is not enough the oldest-looking
 * are dropped (an attacker with that many addresses is beyond a per-IP throttle anyway).
 */
public final class AuthThrottle {

    /** {@code inbound.auth.*}; {@code maxFailures} 0 = no lockout (delays still apply). */
    public record Limits(int maxFailures, Duration lockout, Duration delay, Duration maxDelay) {
        public static Limits of(Settings.InboundSecurity s) {
            return new Limits(s.authMaxFailures(), s.authLockout(), s.authDelay(), s.authMaxDelay());
        }

        public static Limits of(Settings settings) {
            return of(settings.inbound().security());
        }
    }

    /** May the credentials be checked now? */
    public sealed interface Verdict {}

    public record Allowed() implements Verdict {}

    /** Locked out: answer with the protocol's temporary error; {@code retryAfter} is informative. */
    public record Refused(String reason, Duration retryAfter) implements Verdict {}

    static final int MAX_ENTRIES = 100_000;

    private final Clock clock;
    private volatile Limits limits;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong failures = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong refusals = new java.util.concurrent.atomic.AtomicLong();

    private static final class Entry {
        int failures;
        long lastFailure;
        long lockedUntil;
    }

    /** Login names → the account they name, so "alice" and "alice@example.test" count as one. */
    private final java.util.function.Function<String, java.util.Optional<String>> accountOf;

    public AuthThrottle(Limits limits, Clock clock) {
        this(limits, clock, login -> java.util.Optional.empty());
    }

    /** With {@code accountOf} (e.g. {@link Accounts#resolve}) naming the account behind a login name. */
    public AuthThrottle(Limits limits, Clock clock,
                        java.util.function.Function<String, java.util.Optional<String>> accountOf) {
        this.limits = limits;
        this.clock = clock;
        this.accountOf = accountOf;
    }

    /** A throttle that never delays nor refuses (unit tests of protocol handlers). */
    public static AuthThrottle disabled() {
        return new AuthThrottle(new Limits(0, Duration.ZERO, Duration.ZERO, Duration.ZERO), Clock.systemUTC());
    }

    public void setLimits(Limits limits) {
        this.limits = limits;
    }

    public Limits limits() {
        return limits;
    }

    /** Before checking credentials of {@code login} from {@code ip}. */
    public Verdict check(String ip, String login) {
        long now = clock.millis();
        Verdict byIp = lockedOut(key("ip", ip), now, "too many failed logins from " + ip);
        Verdict verdict = byIp instanceof Refused ? byIp
                : lockedOut(userKey(login), now, "too many failed logins for this account");
        if (verdict instanceof Refused) {
            refusals.incrementAndGet();
        }
        return verdict;
    }

    /** Credentials were wrong: counts the failure; returns how long to pause before answering. */
    public Duration failed(String ip, String login) {
        long now = clock.millis();
        if (entries.size() > MAX_ENTRIES) {
            sweep(now);
        }
        failures.incrementAndGet();
        int byIp = fail(key("ip", ip), now);
        int byUser = fail(userKey(login), now);
        return delayFor(Math.max(byIp, byUser));
    }

    /** Credentials were right: the account and the address start afresh. */
    public void succeeded(String ip, String login) {
        entries.remove(key("ip", ip));
        entries.remove(userKey(login));
    }

    /** Failures currently counted against {@code ip} (tests, /status). */
    public int failuresOf(String ip) {
        Entry e = entries.get(key("ip", ip));
        if (e == null) {
            return 0;
        }
        synchronized (e) {
            return e.failures;
        }
    }

    /** Figures for {@code /status}: failed logins and refused (locked-out) attempts since start, entries tracked. */
    public Map<String, Object> status() {
        return Map.of("failedLogins", failures.get(), "lockedOutAttempts", refusals.get(), "tracked", entries.size());
    }

    /** How many IPs and accounts are tracked. */
    public int tracked() {
        return entries.size();
    }

    /** The pause for the n-th consecutive failure (1-based): delay × 2^(n-1), at most max-delay. */
    public Duration delayFor(int failures) {
        Limits l = limits;
        if (failures < 1 || l.delay().isZero()) {
            return Duration.ZERO;
        }
        Duration d = l.delay().multipliedBy(1L << Math.min(failures - 1, 20));
        return d.compareTo(l.maxDelay()) > 0 ? l.maxDelay() : d;
    }

    private Verdict lockedOut(String key, long now, String reason) {
        Entry e = entries.get(key);
        if (e == null) {
            return new Allowed();
        }
        synchronized (e) {
            if (e.lockedUntil > now) {
                return new Refused(reason, Duration.ofMillis(e.lockedUntil - now));
            }
        }
        return new Allowed();
    }

    private int fail(String key, long now) {
        Limits l = limits;
        Entry e = entries.computeIfAbsent(key, k -> new Entry());
        synchronized (e) {
            long forgetAfter = Math.max(l.lockout().toMillis(), 1);
            if (e.failures > 0 && now - e.lastFailure >= forgetAfter && e.lockedUntil <= now) {
                e.failures = 0;
            }
            if (e.lockedUntil != 0 && e.lockedUntil <= now) {
                // A lockout that ran out starts a fresh count.
                e.lockedUntil = 0;
                e.failures = 0;
            }
            e.failures++;
            e.lastFailure = now;
            if (l.maxFailures() > 0 && e.failures >= l.maxFailures() && !l.lockout().isZero()) {
                e.lockedUntil = now + l.lockout().toMillis();
            }
            return e.failures;
        }
    }

    private void sweep(long now) {
        long forgetAfter = Math.max(limits.lockout().toMillis(), 1);
        Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator();
        while (it.hasNext()) {
            Entry e = it.next().getValue();
            synchronized (e) {
                if (e.lockedUntil <= now && now - e.lastFailure >= forgetAfter) {
                    it.remove();
                }
            }
        }
        // Still too many: drop arbitrary unlocked entries rather than grow without bound.
        it = entries.entrySet().iterator();
        while (entries.size() > MAX_ENTRIES && it.hasNext()) {
            Entry e = it.next().getValue();
            synchronized (e) {
                if (e.lockedUntil <= now) {
                    it.remove();
                }
            }
        }
    }

    private String userKey(String login) {
        String name = login == null ? "" : login;
        return key("user", accountOf.apply(name).orElse(name));
    }

    private static String key(String kind, String value) {
        return kind + ":" + (value == null ? "" : value.toLowerCase(Locale.ROOT));
    }
}
