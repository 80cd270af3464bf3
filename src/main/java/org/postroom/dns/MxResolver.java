package org.postroom.dns;

import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.Lookup;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * Where mail for a domain goes, by DNS (dnsjava): the MX hosts by preference (random order among
 * equal preferences), each with its A and AAAA addresses; without MX records the domain's own A/AAAA
 * ("implicit MX"); a null MX (RFC 7505) or a domain that does not exist is permanent, a resolver
 * failure temporary. Uses the configured resolvers ("ip:port") or the system's when none; answers
 * are cached for their TTL. Lookups
 * block, so {@link #resolve} runs them on the given executor and returns a {@link CompletionStage}.
 */
public final class MxResolver {

    /** One host to try, with its addresses in the order to dial them. */
    public record MxHost(String name, int preference, List<InetAddress> addresses) {
        public MxHost {
            addresses = List.copyOf(addresses);
        }
    }

    public sealed interface Resolution permits Hosts, NoSuchDomain, TempFailure {}

    /** Hosts in order; may be empty when no host has an address. */
    public record Hosts(List<MxHost> hosts) implements Resolution {
        public Hosts {
            hosts = List.copyOf(hosts);
        }
    }

    /** The domain does not exist or accepts no mail: a permanent failure. */
    public record NoSuchDomain(String reason) implements Resolution {}

    /** The resolvers could not answer: try again later. */
    public record TempFailure(String reason) implements Resolution {}

    private final Resolver resolver;
    /** Answers kept for their TTL, shared by every session (dnsjava's Cache is thread-safe). */
    private final org.xbill.DNS.Cache cache = new org.xbill.DNS.Cache();
    private final Executor executor;
    private final Random random;

    public MxResolver(List<String> servers, Duration timeout, Executor executor, Random random) {
        this.resolver = resolver(servers, timeout);
        this.executor = executor;
        this.random = random;
    }

    public MxResolver(List<String> servers, Executor executor) {
        this(servers, Duration.ofSeconds(10), executor, new Random());
    }

    private static Resolver resolver(List<String> servers, Duration timeout) {
        if (servers.isEmpty()) {
            ExtendedResolver r = new ExtendedResolver();
            r.setTimeout(timeout);
            return r;
        }
        List<Resolver> rs = new ArrayList<>();
        for (String s : servers) {
            InetSocketAddress a = org.postroom.config.Settings.hostPort("outbound.dns.servers", s, 53);
            try {
                SimpleResolver sr = new SimpleResolver(
                        new InetSocketAddress(InetAddress.getByName(a.getHostString()), a.getPort()));
                sr.setTimeout(timeout);
                rs.add(sr);
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("bad DNS server " + s);
            }
        }
        if (rs.size() == 1) {
            return rs.get(0);
        }
        ExtendedResolver r = new ExtendedResolver(rs);
        r.setTimeout(timeout);
        return r;
    }

    /** Resolves the MX hosts of a mail domain, off the caller's thread. */
    public CompletionStage<Resolution> resolve(String domain) {
        return CompletableFuture.supplyAsync(() -> resolveBlocking(domain), executor);
    }

    /** Resolves a host name (or IP literal) to its addresses, off the caller's thread. */
    public CompletionStage<List<InetAddress>> addresses(String host) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return addressesBlocking(host);
            } catch (TempException e) {
                return List.of();
            }
        }, executor);
    }

    public Resolution resolveBlocking(String domain) {
        try {
            String d = domain.trim();
            if (d.startsWith("[") && d.endsWith("]")) {
                InetAddress literal = InetAddress.getByAddress(
                        org.postroom.net.IpRange.literal(d.substring(1, d.length() - 1)));
                return new Hosts(List.of(new MxHost(d, 0, List.of(literal))));
            }
            Lookup mx = lookup(d, Type.MX);
            Record[] records = mx.run();
            int result = mx.getResult();
            if (result == Lookup.TRY_AGAIN) {
                return new TempFailure("DNS lookup of " + d + " failed: " + mx.getErrorString());
            }
            if (result == Lookup.HOST_NOT_FOUND) {
                return new NoSuchDomain("domain " + d + " does not exist");
            }
            if (result == Lookup.UNRECOVERABLE) {
                return new TempFailure("DNS lookup of " + d + " failed: " + mx.getErrorString());
            }
            if (records == null || records.length == 0) {
                List<InetAddress> own = addressesBlocking(d);
                if (own.isEmpty()) {
                    return new NoSuchDomain("domain " + d + " has no MX and no address");
                }
                return new Hosts(List.of(new MxHost(d, 0, own)));
            }
            List<MXRecord> mxs = new ArrayList<>();
            for (Record r : records) {
                if (r instanceof MXRecord m) {
                    mxs.add(m);
                }
            }
            if (mxs.size() == 1 && mxs.get(0).getTarget().equals(Name.root)) {
                return new NoSuchDomain("domain " + d + " accepts no mail (null MX)");
            }
            List<MxHost> hosts = new ArrayList<>();
            for (MXRecord m : order(mxs)) {
                String name = m.getTarget().toString(true);
                hosts.add(new MxHost(name, m.getPriority(), addressesBlocking(name)));
            }
            return new Hosts(hosts);
        } catch (TempException e) {
            return new TempFailure(e.getMessage());
        } catch (TextParseException | IllegalArgumentException e) {
            return new NoSuchDomain("bad domain " + domain);
        } catch (UnknownHostException e) {
            return new NoSuchDomain("bad address literal " + domain);
        }
    }

    /** By preference, shuffled among equal preferences. */
    List<MXRecord> order(List<MXRecord> mxs) {
        Map<Integer, List<MXRecord>> byPref = new java.util.TreeMap<>();
        for (MXRecord m : mxs) {
            byPref.computeIfAbsent(m.getPriority(), p -> new ArrayList<>()).add(m);
        }
        List<MXRecord> out = new ArrayList<>();
        for (List<MXRecord> group : byPref.values()) {
            Collections.shuffle(group, random);
            out.addAll(group);
        }
        return out;
    }

    private List<InetAddress> addressesBlocking(String host) throws TempException {
        try {
            if (host.indexOf(':') >= 0 || host.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
                return List.of(InetAddress.getByAddress(org.postroom.net.IpRange.literal(host)));
            }
        } catch (UnknownHostException | IllegalArgumentException e) {
            return List.of();
        }
        Map<String, InetAddress> out = new LinkedHashMap<>();
        boolean temp = false;
        for (int type : new int[] {Type.A, Type.AAAA}) {
            try {
                Lookup l = lookup(host, type);
                Record[] rs = l.run();
                if (l.getResult() == Lookup.TRY_AGAIN) {
                    temp = true;
                }
                if (rs != null) {
                    for (Record r : rs) {
                        InetAddress a = r instanceof ARecord ar ? ar.getAddress()
                                : r instanceof AAAARecord aaaa ? aaaa.getAddress() : null;
                        if (a != null) {
                            out.putIfAbsent(a.getHostAddress(), InetAddress.getByAddress(host, a.getAddress()));
                        }
                    }
                }
            } catch (TextParseException | UnknownHostException e) {
                return List.of();
            }
        }
        if (out.isEmpty() && temp) {
            throw new TempException("DNS lookup of " + host + " failed");
        }
        return new ArrayList<>(out.values());
    }

    private Lookup lookup(String name, int type) throws TextParseException {
        Lookup l = new Lookup(Name.fromString(name.endsWith(".") ? name : name + "."), type);
        l.setResolver(resolver);
        l.setCache(cache);
        l.setSearchPath((Name[]) null);
        // Only DNS: dnsjava's shared hosts-file parser is not thread-safe (a concurrent first use
        // throws NullPointerException from its lazily built cache), and /etc/hosts is no MX source.
        l.setHostsFileParser(null);
        return l;
    }

    private static final class TempException extends Exception {
        TempException(String message) {
            super(message);
        }
    }
}
