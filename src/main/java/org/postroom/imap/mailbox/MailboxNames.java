package org.postroom.imap.mailbox;

import java.util.regex.Pattern;

/**
 * IMAP mailbox names over Maildir++: hierarchy separator "/", INBOX case-insensitive, and the
 * characters a Maildir++ folder name cannot hold ("." is the on-disk separator) refused.
 */
public final class MailboxNames {
    public static final char SEPARATOR = '/';

    private MailboxNames() {
    }

    /** Why a name cannot be a mailbox, or null when it can. */
    public static String problem(String name) {
        if (name.isEmpty()) {
            return "Empty mailbox name";
        }
        if (name.startsWith("/") || name.endsWith("/") || name.contains("//")) {
            return "Mailbox name has an empty hierarchy level";
        }
        if (name.length() > 200) {
            return "Mailbox name too long";
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < ' ' || c == 127 || c == '.' || c == '*' || c == '%' || c == '\\') {
                return "Mailbox names may not contain '" + (c < ' ' ? "control characters" : String.valueOf(c)) + "'";
            }
        }
        if (isInbox(name.contains("/") ? name.substring(0, name.indexOf('/')) : "") ) {
            return "No mailboxes below INBOX";
        }
        return null;
    }

    private static final java.util.Map<String, String> SPECIAL_USE = java.util.Map.ofEntries(
            java.util.Map.entry("sent", "\\Sent"), java.util.Map.entry("sent items", "\\Sent"),
            java.util.Map.entry("sent messages", "\\Sent"), java.util.Map.entry("drafts", "\\Drafts"),
            java.util.Map.entry("trash", "\\Trash"), java.util.Map.entry("deleted items", "\\Trash"),
            java.util.Map.entry("deleted messages", "\\Trash"), java.util.Map.entry("junk", "\\Junk"),
            java.util.Map.entry("spam", "\\Junk"), java.util.Map.entry("archive", "\\Archive"),
            java.util.Map.entry("archives", "\\Archive"));

    /** The RFC 6154 special-use attribute of a top-level folder with a well-known name, or null. */
    public static String specialUse(String name) {
        return name.indexOf('/') >= 0 ? null : SPECIAL_USE.get(name.toLowerCase(java.util.Locale.ROOT));
    }

    public static boolean isInbox(String name) {
        return name.equalsIgnoreCase("INBOX");
    }

    /** The canonical form: INBOX upper-case, anything else as given. */
    public static String canonical(String name) {
        return isInbox(name) ? "INBOX" : name;
    }

    /** A LIST pattern ({@code *} anything, {@code %} anything but "/") as a regex. */
    public static Pattern pattern(String reference, String pattern) {
        String full = reference + pattern;
        StringBuilder re = new StringBuilder();
        int i = 0;
        if (full.regionMatches(true, 0, "INBOX", 0, 5) && (full.length() == 5 || full.charAt(5) == '/')) {
            re.append("(?i:INBOX)");
            i = 5;
        }
        for (; i < full.length(); i++) {
            char c = full.charAt(i);
            if (c == '*') {
                re.append(".*");
            } else if (c == '%') {
                re.append("[^/]*");
            } else {
                re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(re.toString());
    }
}
