package org.postroom.net;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * An address or CIDR range ({@code 10.0.0.0/8}, {@code fc00::/7}, {@code 192.0.2.7}), matched against
 * literal addresses only: parsing never does a DNS lookup.
 */
public record IpRange(byte[] network, int prefixLength) {

    /** Addresses reserved for loopback and intranets, exempt from per-IP limits unless configured. */
    public static final List<IpRange> RESERVED = List.of(
            parse("127.0.0.0/8"), parse("10.0.0.0/8"), parse("172.16.0.0/12"), parse("192.168.0.0/16"),
            parse("::1/128"), parse("fc00::/7"), parse("fe80::/10"));

    public static IpRange parse(String text) {
        String s = text.trim();
        int slash = s.indexOf('/');
        String addr = slash < 0 ? s : s.substring(0, slash);
        byte[] bytes = literal(addr);
        int prefix = bytes.length * 8;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(s.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad prefix in " + text);
            }
            if (prefix < 0 || prefix > bytes.length * 8) {
                throw new IllegalArgumentException("bad prefix in " + text);
            }
        }
        return new IpRange(bytes, prefix);
    }

    public boolean contains(InetAddress address) {
        byte[] a = address.getAddress();
        if (a.length != network.length) {
            return false;
        }
        int full = prefixLength / 8;
        for (int i = 0; i < full; i++) {
            if (a[i] != network[i]) {
                return false;
            }
        }
        int rest = prefixLength % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xFF << (8 - rest)) & 0xFF;
        return (a[full] & mask) == (network[full] & mask);
    }

    public static boolean isReserved(InetAddress address) {
        return RESERVED.stream().anyMatch(r -> r.contains(address));
    }

    /** Parses an IPv4 or IPv6 literal without touching DNS. */
    public static byte[] literal(String addr) {
        if (addr.isEmpty() || !(addr.indexOf(':') >= 0 || addr.matches("[0-9.]+"))) {
            throw new IllegalArgumentException("not an IP literal: " + addr);
        }
        if (addr.indexOf(':') < 0 && !addr.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
            throw new IllegalArgumentException("not an IP literal: " + addr);
        }
        try {
            return InetAddress.getByName(addr).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP literal: " + addr);
        }
    }
}
