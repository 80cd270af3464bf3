package org.postroom.config;

import com.typesafe.config.Config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The whole of Postroom's configuration as typed records, read once from the {@code postroom}
 * subtree and validated: every problem is a {@link ConfigError} naming its key.
 */
public record Settings(
        String hostname,
        Path dataDir,
        List<String> localDomains,
        List<AccountSettings> accounts,
        InboundSettings inbound,
        OutboundSettings outbound,
        MultiPopSettings multipop,
        AdminSettings admin) {

    public record AccountSettings(String address, String password, String passwordHash) {
        public String domain() {
            return address.substring(address.indexOf('@') + 1);
        }

        public String localPart() {
            return address.substring(0, address.indexOf('@'));
        }
    }

    /**
     * One TCP listener: {@code kind} is the metrics label (smtp, msa, pop3, imap, and the implicit-TLS
     * smtps, pop3s, imaps). {@code maxSessionsPerIp} and {@code maxConnectionsPerMinutePerIp}: 0 = unlimited.
     */
    public record ListenerSettings(String kind, boolean enabled, String bind, int port, int maxSessions,
                                   int maxSessionsPerIp, int maxConnectionsPerMinutePerIp, boolean implicitTls) {
        /** A plaintext listener without per-IP limits. */
        public ListenerSettings(String kind, boolean enabled, String bind, int port, int maxSessions) {
            this(kind, enabled, bind, port, maxSessions, 0, 0, false);
        }
    }

    /**
     * Abuse limits shared by the inbound listeners (issue 6): who is exempt from the per-IP limits,
     * the auth throttle, TLS-before-AUTH on the MSA, the SMTP greeting delay (early-talker check), and
     * whether an authenticated MSA user may only send as an address it owns
     * ({@code inbound.msa.sender-must-match-login}).
     */
    public record InboundSecurity(
            List<String> trustedIps,
            boolean trustedIpsUseConnectionLimit,
            boolean reservedIpsUseConnectionLimit,
            int authMaxFailures,
            Duration authLockout,
            Duration authDelay,
            Duration authMaxDelay,
            boolean msaRequireTlsForAuth,
            Duration smtpGreetingDelay,
            boolean msaSenderMustMatchLogin) {

        /**
         * No exemptions list, auth throttle on its defaults, no TLS requirement, no greeting delay; the
         * MSA sender check on, as in reference.conf.
         */
        public static InboundSecurity defaults() {
            return new InboundSecurity(List.of(), false, false, 5, Duration.ofMinutes(10), Duration.ofSeconds(1),
                    Duration.ofSeconds(8), false, Duration.ZERO, true);
        }
    }

    public record InboundSettings(
            ListenerSettings smtp,
            ListenerSettings msa,
            ListenerSettings pop3,
            ListenerSettings imap,
            Duration imapAutologout,
            Duration idleTimeout,
            long maxMessageSize,
            int maxRecipients,
            int maxBadCommands,
            int maxLineLength,
            long maxLiteralSize,
            List<ListenerSettings> implicitTlsListeners,
            InboundSecurity security) {

        /** Without implicit-TLS listeners and with the default security settings. */
        public InboundSettings(ListenerSettings smtp, ListenerSettings msa, ListenerSettings pop3,
                               ListenerSettings imap, Duration imapAutologout, Duration idleTimeout,
                               long maxMessageSize, int maxRecipients, int maxBadCommands, int maxLineLength,
                               long maxLiteralSize) {
            this(smtp, msa, pop3, imap, imapAutologout, idleTimeout, maxMessageSize, maxRecipients, maxBadCommands,
                    maxLineLength, maxLiteralSize, List.of(), InboundSecurity.defaults());
        }

        /** Every listener: smtp, msa, pop3, imap, then the implicit-TLS ones (smtps, pop3s, imaps). */
        public List<ListenerSettings> listeners() {
            List<ListenerSettings> all = new ArrayList<>(List.of(smtp, msa, pop3, imap));
            all.addAll(implicitTlsListeners);
            return List.copyOf(all);
        }
    }

    public record OutboundSettings(
            int maxSessions,
            int maxMessagesPerSession,
            Duration failureCache,
            int maxConnectionsPerIp,
            List<String> trustedIps,
            boolean trustedIpsUseConnectionLimit,
            boolean reservedIpsUseConnectionLimit,
            String smartHost,
            int remotePort,
            List<String> dnsServers,
            Duration deliveryInterval,
            List<Duration> retrySchedule,
            Duration queueLifetime,
            Duration connectTimeout,
            Duration commandTimeout,
            String tls,
            String smartHostTls,
            Duration reportWindow) {

        /** STARTTLS use towards MX hosts ({@code outbound.tls}) and towards the smart host ({@code smart-host-tls}). */
        public static final List<String> TLS_POLICIES = List.of("off", "opportunistic", "required");
    }

    public record PopSource(String account, String host, int port, String user, String password,
                            boolean leaveOnServer, String tls) {
        /** Stable identity of a source, used for its UIDL record and in /status. */
        public String id() {
            return user + "@" + host + ":" + port + "->" + account;
        }
    }

    public record MultiPopSettings(int maxSessions, Duration interval, List<PopSource> sources) {}

    public record AdminSettings(boolean enabled, String bind, int port) {}

    /** Reads {@code root.postroom}; throws {@link ConfigError} on the first bad key. */
    public static Settings from(Config root) {
        ConfigReader r = new ConfigReader(root, "").at("postroom");
        r = new ConfigReader(r.raw(), "");

        String hostname = r.string("hostname");
        if (hostname.isBlank() || hostname.chars().anyMatch(c -> c <= ' ')) {
            throw new ConfigError("hostname", "must be a host name without spaces, got \"" + hostname + "\"");
        }
        Path dataDir = Path.of(r.string("data-dir"));

        List<String> domains = new ArrayList<>();
        for (String d : r.strings("local-domains")) {
            if (d.isBlank() || d.contains("@") || d.contains(" ")) {
                throw new ConfigError("local-domains", "bad domain \"" + d + "\"");
            }
            domains.add(d.toLowerCase(Locale.ROOT));
        }

        List<AccountSettings> accounts = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (ConfigReader a : r.objects("accounts")) {
            String address = a.string("address").toLowerCase(Locale.ROOT);
            int at = address.indexOf('@');
            if (at <= 0 || at != address.lastIndexOf('@') || at == address.length() - 1) {
                throw new ConfigError(a.key("address"), "not an address: \"" + address + "\"");
            }
            String domain = address.substring(at + 1);
            if (!domains.contains(domain)) {
                throw new ConfigError(a.key("address"), "domain of \"" + address + "\" is not in local-domains");
            }
            if (!seen.add(address)) {
                throw new ConfigError(a.key("address"), "duplicate account \"" + address + "\"");
            }
            String password = a.has("password") ? a.string("password") : null;
            String hash = a.has("password-hash") ? a.string("password-hash") : null;
            if (hash != null && !org.postroom.auth.PasswordHash.isWellFormed(hash)) {
                throw new ConfigError(a.key("password-hash"), "not a hash made by hash-password "
                        + "(\"$pbkdf2-sha256$i=N$salt$hash\") for account \"" + address + "\"");
            }
            if (password == null && hash == null) {
                throw new ConfigError(a.key("password"), "account \"" + address + "\" needs password or password-hash");
            }
            accounts.add(new AccountSettings(address, password, hash));
        }

        ConfigReader in = r.at("inbound");
        InboundSettings inbound = new InboundSettings(
                listener(in, "smtp"), listener(in, "msa"), listener(in, "pop3"), listener(in, "imap"),
                in.positiveDuration("imap.autologout"),
                in.positiveDuration("idle-timeout"),
                in.bytes("max-message-size"),
                in.intAtLeast("max-recipients", 1),
                in.intAtLeast("max-bad-commands", 1),
                in.intBetween("max-line-length", 512, 1 << 20),
                in.bytes("max-literal-size"),
                List.of(listener(in, "smtps", true), listener(in, "pop3s", true), listener(in, "imaps", true)),
                security(in));

        ConfigReader out = r.at("outbound");
        List<String> trusted = out.strings("trusted-ips");
        for (String t : trusted) {
            try {
                org.postroom.net.IpRange.parse(t);
            } catch (IllegalArgumentException e) {
                throw new ConfigError(out.key("trusted-ips"), "bad address or CIDR range \"" + t + "\"");
            }
        }
        String smartHost = out.string("smart-host").trim();
        if (!smartHost.isEmpty()) {
            hostPort(out.key("smart-host"), smartHost, 25);
        }
        List<String> dns = out.strings("dns.servers");
        for (String s : dns) {
            hostPort(out.key("dns.servers"), s, 53);
        }
        List<java.time.Duration> retry = out.durations("retry-schedule");
        if (retry.isEmpty()) {
            throw new ConfigError(out.key("retry-schedule"), "needs at least one step");
        }
        OutboundSettings outbound = new OutboundSettings(
                out.intAtLeast("max-sessions", 0),
                out.intAtLeast("max-messages-per-session", 0),
                out.duration("failure-cache"),
                out.intAtLeast("max-connections-per-ip", 0),
                List.copyOf(trusted),
                out.bool("trusted-ips-use-connection-limit"),
                out.bool("reserved-ips-use-connection-limit"),
                smartHost,
                out.intBetween("remote-port", 1, 65535),
                List.copyOf(dns),
                out.positiveDuration("delivery-interval"),
                List.copyOf(retry),
                out.positiveDuration("queue-lifetime"),
                out.positiveDuration("connect-timeout"),
                out.positiveDuration("command-timeout"),
                tlsPolicy(out, "tls", out.string("tls")),
                tlsPolicy(out, "smart-host-tls",
                        out.string("smart-host-tls").isBlank() ? out.string("tls") : out.string("smart-host-tls")),
                out.duration("report-window"));

        ConfigReader mp = r.at("multipop");
        List<PopSource> sources = new ArrayList<>();
        for (ConfigReader s : mp.objects("sources")) {
            String account = s.string("account").toLowerCase(Locale.ROOT);
            if (accounts.stream().noneMatch(a -> a.address().equals(account))) {
                throw new ConfigError(s.key("account"), "no local account \"" + account + "\"");
            }
            String tls = s.has("tls") ? s.string("tls") : "none";
            if (!List.of("none", "starttls", "implicit").contains(tls)) {
                throw new ConfigError(s.key("tls"), "must be none, starttls or implicit, got \"" + tls + "\"");
            }
            sources.add(new PopSource(account, s.string("host"),
                    s.has("port") ? s.intBetween("port", 1, 65535) : 110,
                    s.string("user"), s.string("password"),
                    s.has("leave-on-server") && s.bool("leave-on-server"), tls));
        }
        MultiPopSettings multipop = new MultiPopSettings(
                mp.intAtLeast("max-sessions", 0), mp.positiveDuration("interval"), List.copyOf(sources));

        ConfigReader ad = r.at("admin");
        AdminSettings admin = new AdminSettings(ad.bool("enabled"), ad.string("bind"), ad.intBetween("port", 0, 65535));

        return new Settings(hostname, dataDir, List.copyOf(domains), List.copyOf(accounts),
                inbound, outbound, multipop, admin);
    }

    private static String tlsPolicy(ConfigReader out, String key, String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        if (!OutboundSettings.TLS_POLICIES.contains(v)) {
            throw new ConfigError(out.key(key), "must be off, opportunistic or required, got \"" + value + "\"");
        }
        return v;
    }

    private static ListenerSettings listener(ConfigReader in, String kind) {
        return listener(in, kind, false);
    }

    private static ListenerSettings listener(ConfigReader in, String kind, boolean implicitTls) {
        ConfigReader l = in.at(kind);
        return new ListenerSettings(kind, l.bool("enabled"), l.string("bind"),
                l.intBetween("port", 0, 65535), l.intAtLeast("max-sessions", 1),
                l.has("max-sessions-per-ip") ? l.intAtLeast("max-sessions-per-ip", 0) : 0,
                l.has("max-connections-per-minute-per-ip") ? l.intAtLeast("max-connections-per-minute-per-ip", 0) : 0,
                implicitTls);
    }

    private static InboundSecurity security(ConfigReader in) {
        List<String> trusted = in.strings("trusted-ips");
        for (String t : trusted) {
            try {
                org.postroom.net.IpRange.parse(t);
            } catch (IllegalArgumentException e) {
                throw new ConfigError(in.key("trusted-ips"), "bad address or CIDR range \"" + t + "\"");
            }
        }
        ConfigReader auth = in.at("auth");
        Duration delay = auth.duration("delay");
        Duration maxDelay = auth.duration("max-delay");
        if (maxDelay.compareTo(delay) < 0) {
            throw new ConfigError(auth.key("max-delay"), "must be at least inbound.auth.delay, got "
                    + maxDelay.toMillis() + " ms");
        }
        return new InboundSecurity(List.copyOf(trusted),
                in.bool("trusted-ips-use-connection-limit"),
                in.bool("reserved-ips-use-connection-limit"),
                auth.intAtLeast("max-failures", 0),
                auth.duration("lockout"),
                delay,
                maxDelay,
                autoSwitch(in, "msa.require-tls-for-auth", !isLoopback(in.string("msa.bind"))),
                autoDuration(in, "smtp.greeting-delay", isLoopback(in.string("smtp.bind"))
                        ? Duration.ZERO : Duration.ofSeconds(1)),
                in.bool("msa.sender-must-match-login"));
    }

    /** true, false or "auto" (then {@code auto}). */
    private static boolean autoSwitch(ConfigReader r, String path, boolean auto) {
        String v = r.string(path).trim().toLowerCase(Locale.ROOT);
        switch (v) {
            case "true": case "on": case "yes":
                return true;
            case "false": case "off": case "no":
                return false;
            case "auto":
                return auto;
            default:
                throw new ConfigError(r.key(path), "must be true, false or auto, got \"" + v + "\"");
        }
    }

    /** A duration, or "auto" (then {@code auto}). */
    private static Duration autoDuration(ConfigReader r, String path, Duration auto) {
        if (r.raw().getValue(path).unwrapped() instanceof String s && s.trim().equalsIgnoreCase("auto")) {
            return auto;
        }
        return r.duration(path);
    }

    /** A literal loopback address or "localhost"; host names are never resolved here. */
    static boolean isLoopback(String bind) {
        String b = bind.trim();
        if (b.equalsIgnoreCase("localhost")) {
            return true;
        }
        try {
            return java.net.InetAddress.getByAddress(org.postroom.net.IpRange.literal(b)).isLoopbackAddress();
        } catch (IllegalArgumentException | java.net.UnknownHostException e) {
            return false;
        }
    }

    /** Parses "host:port" (or "[v6]:port"); the port may be left out. */
    public static java.net.InetSocketAddress hostPort(String key, String value, int defaultPort) {
        String host = value;
        int port = defaultPort;
        try {
            if (value.startsWith("[")) {
                int close = value.indexOf(']');
                host = value.substring(1, close);
                if (close + 1 < value.length()) {
                    port = Integer.parseInt(value.substring(close + 2));
                }
            } else if (value.indexOf(':') >= 0 && value.indexOf(':') == value.lastIndexOf(':')) {
                host = value.substring(0, value.indexOf(':'));
                port = Integer.parseInt(value.substring(value.indexOf(':') + 1));
            }
        } catch (RuntimeException e) {
            throw new ConfigError(key, "bad host:port \"" + value + "\"");
        }
        if (host.isBlank() || port < 1 || port > 65535) {
            throw new ConfigError(key, "bad host:port \"" + value + "\"");
        }
        return java.net.InetSocketAddress.createUnresolved(host, port);
    }

    public boolean isLocalDomain(String domain) {
        return localDomains.contains(domain.toLowerCase(Locale.ROOT));
    }
}
