package org.postroom.imap.mailbox;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * IMAP system flags ⇄ the Maildir info suffix {@code :2,DFRST}: D \Draft, F \Flagged, R \Answered,
 * S \Seen, T \Deleted. Letters Postroom does not map (P "passed" and lower-case ones) are kept as they
 * are; keywords live in the uidlist, not in the file name.
 */
public final class MaildirFlags {
    public static final List<String> SYSTEM = List.of("\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft");

    private MaildirFlags() {
    }

    /** The IMAP system flags named by an info string (the part after {@code :2,}). */
    public static Set<String> fromInfo(String info) {
        Set<String> flags = new TreeSet<>();
        for (int i = 0; i < info.length(); i++) {
            switch (info.charAt(i)) {
                case 'D' -> flags.add("\\Draft");
                case 'F' -> flags.add("\\Flagged");
                case 'R' -> flags.add("\\Answered");
                case 'S' -> flags.add("\\Seen");
                case 'T' -> flags.add("\\Deleted");
                default -> { }
            }
        }
        return flags;
    }

    /** The info string for {@code flags}, keeping the letters of {@code oldInfo} that IMAP does not map. */
    public static String toInfo(Set<String> flags, String oldInfo) {
        TreeSet<Character> letters = new TreeSet<>();
        for (int i = 0; i < oldInfo.length(); i++) {
            char c = oldInfo.charAt(i);
            if ("DFRST".indexOf(c) < 0) {
                letters.add(c);
            }
        }
        for (String f : flags) {
            switch (f.toLowerCase(Locale.ROOT)) {
                case "\\draft" -> letters.add('D');
                case "\\flagged" -> letters.add('F');
                case "\\answered" -> letters.add('R');
                case "\\seen" -> letters.add('S');
                case "\\deleted" -> letters.add('T');
                default -> { }
            }
        }
        StringBuilder sb = new StringBuilder();
        letters.forEach(sb::append);
        return sb.toString();
    }

    /** The canonical spelling of a system flag ({@code \SEEN} → {@code \Seen}), or null for a keyword. */
    public static String system(String flag) {
        for (String s : SYSTEM) {
            if (s.equalsIgnoreCase(flag)) {
                return s;
            }
        }
        return null;
    }

    /** Splits client flags into canonical system flags and keywords (\Recent is dropped). */
    public static Set<String> normalize(Iterable<String> flags) {
        Set<String> out = new LinkedHashSet<>();
        for (String f : flags) {
            String s = system(f);
            if (s != null) {
                out.add(s);
            } else if (!f.startsWith("\\")) {
                out.add(f);
            }
        }
        return out;
    }
}
