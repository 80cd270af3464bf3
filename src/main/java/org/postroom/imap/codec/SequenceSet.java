package org.postroom.imap.codec;

import java.util.ArrayList;
import java.util.List;

/**
 * An IMAP sequence set ({@code 1:*}, {@code 2,4:7}, {@code *}) of message sequence numbers or UIDs.
 * {@code *} is kept symbolic ({@link #STAR}) and resolved against the largest number in use when the
 * set is evaluated, so the same value serves for sequence numbers and UIDs.
 */
public record SequenceSet(List<Range> ranges) {
    /** Stands for {@code *}: the largest number in use. */
    public static final long STAR = -1;

    public record Range(long from, long to) {
        long lo(long max) {
            long a = from == STAR ? max : from;
            long b = to == STAR ? max : to;
            return Math.min(a, b);
        }

        long hi(long max) {
            long a = from == STAR ? max : from;
            long b = to == STAR ? max : to;
            return Math.max(a, b);
        }
    }

    public SequenceSet {
        ranges = List.copyOf(ranges);
    }

    /** Parses {@code 1,3:5,7:*}; throws IllegalArgumentException on bad syntax or a zero. */
    public static SequenceSet parse(String text) {
        if (text.isEmpty()) {
            throw new IllegalArgumentException("empty sequence set");
        }
        List<Range> ranges = new ArrayList<>();
        for (String part : text.split(",", -1)) {
            int colon = part.indexOf(':');
            if (colon < 0) {
                long n = number(part);
                ranges.add(new Range(n, n));
            } else {
                ranges.add(new Range(number(part.substring(0, colon)), number(part.substring(colon + 1))));
            }
        }
        return new SequenceSet(ranges);
    }

    public static SequenceSet of(long from, long to) {
        return new SequenceSet(List.of(new Range(from, to)));
    }

    private static long number(String s) {
        if (s.equals("*")) {
            return STAR;
        }
        if (s.isEmpty() || s.length() > 10 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("bad sequence number \"" + s + "\"");
        }
        long n = Long.parseLong(s);
        if (n == 0 || n > 0xFFFFFFFFL) {
            throw new IllegalArgumentException("sequence number out of range: " + s);
        }
        return n;
    }

    /** True when {@code n} is in the set, {@code *} standing for {@code max}. */
    public boolean contains(long n, long max) {
        for (Range r : ranges) {
            if (n >= r.lo(max) && n <= r.hi(max)) {
                return true;
            }
        }
        return false;
    }

    /** True when every number of the set is at most {@code max} (sequence numbers must exist). */
    public boolean within(long max) {
        for (Range r : ranges) {
            if (r.hi(max) > max || r.lo(max) < 1) {
                return false;
            }
        }
        return true;
    }

    /** The compact text form, {@code *} included. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (Range r : ranges) {
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(r.from == STAR ? "*" : Long.toString(r.from));
            if (r.from != r.to) {
                sb.append(':').append(r.to == STAR ? "*" : Long.toString(r.to));
            }
        }
        return sb.toString();
    }

    /** Formats sorted numbers compactly: 1,2,3,5 → "1:3,5" (for COPYUID/APPENDUID). */
    public static String compact(List<Long> sorted) {
        StringBuilder sb = new StringBuilder();
        int i = 0;
        while (i < sorted.size()) {
            int j = i;
            while (j + 1 < sorted.size() && sorted.get(j + 1) == sorted.get(j) + 1) {
                j++;
            }
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(sorted.get(i));
            if (j > i) {
                sb.append(':').append(sorted.get(j));
            }
            i = j + 1;
        }
        return sb.toString();
    }
}
