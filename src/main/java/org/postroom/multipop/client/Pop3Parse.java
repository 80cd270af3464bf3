package org.postroom.multipop.client;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Parsers for the texts inside POP3 replies: STAT, UIDL listings, the APOP timestamp of a greeting. */
public final class Pop3Parse {
    private Pop3Parse() {}

    /** {@code +OK nn mm} of STAT. */
    public record Stat(int messages, long octets) {}

    /** One line of a UIDL listing: message number and unique id. */
    public record UidlEntry(int number, String uid) {}

    public static Stat stat(String text) throws Pop3ProtocolException {
        String[] parts = text.trim().split("\\s+");
        try {
            return new Stat(Integer.parseInt(parts[0]), Long.parseLong(parts[1]));
        } catch (RuntimeException e) {
            throw new Pop3ProtocolException("bad STAT reply \"" + text + "\"");
        }
    }

    /** The lines of a multi-line UIDL reply: {@code "n uid"}; a uid is 1..70 characters 0x21..0x7E. */
    public static List<UidlEntry> uidl(List<String> lines) throws Pop3ProtocolException {
        List<UidlEntry> entries = new ArrayList<>(lines.size());
        for (String line : lines) {
            String trimmed = line.trim();
            int sp = trimmed.indexOf(' ');
            if (sp <= 0) {
                throw new Pop3ProtocolException("bad UIDL line \"" + line + "\"");
            }
            String uid = trimmed.substring(sp + 1).trim();
            if (uid.isEmpty() || uid.chars().anyMatch(c -> c < 0x21 || c > 0x7e)) {
                throw new Pop3ProtocolException("bad unique id in UIDL line \"" + line + "\"");
            }
            try {
                entries.add(new UidlEntry(Integer.parseInt(trimmed.substring(0, sp)), uid));
            } catch (NumberFormatException e) {
                throw new Pop3ProtocolException("bad UIDL line \"" + line + "\"");
            }
        }
        return entries;
    }

    /** The lines of a multi-line LIST reply: message number → size in octets. */
    public static java.util.Map<Integer, Long> list(List<String> lines) throws Pop3ProtocolException {
        java.util.Map<Integer, Long> sizes = new java.util.HashMap<>();
        for (String line : lines) {
            String[] parts = line.trim().split("\\s+");
            try {
                sizes.put(Integer.parseInt(parts[0]), Long.parseLong(parts[1]));
            } catch (RuntimeException e) {
                throw new Pop3ProtocolException("bad LIST line \"" + line + "\"");
            }
        }
        return sizes;
    }

    /** The {@code <...@...>} timestamp of an APOP-capable greeting (RFC 1939 §7), if any. */
    public static Optional<String> apopTimestamp(String greeting) {
        int open = greeting.indexOf('<');
        int close = open < 0 ? -1 : greeting.indexOf('>', open);
        if (open < 0 || close < 0) {
            return Optional.empty();
        }
        String stamp = greeting.substring(open, close + 1);
        if (stamp.indexOf('@') < 0 || stamp.chars().anyMatch(c -> c <= ' ' || c > 0x7e)) {
            return Optional.empty();
        }
        return Optional.of(stamp);
    }

    /** The APOP digest: lower-case hex MD5 of timestamp + secret. */
    public static String apopDigest(String timestamp, String secret) {
        try {
            java.security.MessageDigest md5 = java.security.MessageDigest.getInstance("MD5");
            byte[] d = md5.digest((timestamp + secret).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            StringBuilder sb = new StringBuilder(32);
            for (byte b : d) {
                sb.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
            }
            return sb.toString();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 missing from the JDK", e);
        }
    }
}
