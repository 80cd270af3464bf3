package org.postroom.imap.message;

import java.util.ArrayList;
import java.util.List;

import static org.postroom.imap.codec.ImapStrings.nstring;

/**
 * An RFC 5322 address as an IMAP ENVELOPE shows it: (name adl mailbox host); group start and end
 * markers are addresses with a null host. A forgiving parser: quoted names, comments, angle
 * addresses, groups.
 */
record Address(String name, String mailbox, String host) {

    static String list(List<Address> addresses) {
        if (addresses.isEmpty()) {
            return "NIL";
        }
        StringBuilder sb = new StringBuilder("(");
        for (Address a : addresses) {
            sb.append('(').append(nstring(a.name)).append(" NIL ").append(nstring(a.mailbox)).append(' ')
                    .append(nstring(a.host)).append(')');
        }
        return sb.append(')').toString();
    }

    static List<Address> parseList(String header) {
        List<Address> out = new ArrayList<>();
        if (header == null || header.isBlank()) {
            return out;
        }
        StringBuilder item = new StringBuilder();
        String comment = null;
        boolean inGroup = false;
        int i = 0;
        int n = header.length();
        while (i < n) {
            char c = header.charAt(i);
            if (c == '"') {
                int j = i + 1;
                item.append(c);
                while (j < n && header.charAt(j) != '"') {
                    if (header.charAt(j) == '\\' && j + 1 < n) {
                        item.append(header.charAt(j++));
                    }
                    item.append(header.charAt(j++));
                }
                item.append('"');
                i = j + 1;
                continue;
            }
            if (c == '(') {
                int depth = 0;
                int j = i;
                StringBuilder cm = new StringBuilder();
                do {
                    char d = header.charAt(j);
                    if (d == '(') {
                        depth++;
                    } else if (d == ')') {
                        depth--;
                    } else if (depth > 0) {
                        cm.append(d);
                    }
                    j++;
                } while (j < n && depth > 0);
                if (comment == null) {
                    comment = cm.toString().strip();
                }
                i = j;
                continue;
            }
            if (c == '<') {
                int j = header.indexOf('>', i);
                if (j < 0) {
                    j = n - 1;
                }
                item.append(header, i, j + 1);
                i = j + 1;
                continue;
            }
            if (c == ':' && !inGroup && item.indexOf("<") < 0) {
                out.add(new Address(null, unquote(item.toString().strip()), null));
                item.setLength(0);
                comment = null;
                inGroup = true;
            } else if (c == ';' && inGroup) {
                flush(item.toString(), comment, out);
                out.add(new Address(null, null, null));
                item.setLength(0);
                comment = null;
                inGroup = false;
            } else if (c == ',') {
                flush(item.toString(), comment, out);
                item.setLength(0);
                comment = null;
            } else {
                item.append(c);
            }
            i++;
        }
        flush(item.toString(), comment, out);
        if (inGroup) {
            out.add(new Address(null, null, null));
        }
        return out;
    }

    private static void flush(String raw, String comment, List<Address> out) {
        String s = raw.strip();
        if (s.isEmpty()) {
            return;
        }
        String name = null;
        String addr = s;
        int lt = s.indexOf('<');
        if (lt >= 0) {
            int gt = s.indexOf('>', lt);
            addr = s.substring(lt + 1, gt < 0 ? s.length() : gt).strip();
            String display = s.substring(0, lt).strip();
            name = display.isEmpty() ? null : unquote(display);
        } else if (comment != null && !comment.isEmpty()) {
            name = comment;
        }
        int colon = addr.lastIndexOf(':');
        if (addr.startsWith("@") && colon > 0) {
            addr = addr.substring(colon + 1);
        }
        int at = addr.lastIndexOf('@');
        String mailbox = at < 0 ? addr : addr.substring(0, at);
        String host = at < 0 ? "" : addr.substring(at + 1);
        out.add(new Address(name, unquote(mailbox), host));
    }

    private static String unquote(String s) {
        if (s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"")) {
            StringBuilder sb = new StringBuilder();
            for (int i = 1; i < s.length() - 1; i++) {
                char c = s.charAt(i);
                if (c == '\\' && i + 1 < s.length() - 1) {
                    c = s.charAt(++i);
                }
                sb.append(c);
            }
            return sb.toString();
        }
        return s;
    }
}
