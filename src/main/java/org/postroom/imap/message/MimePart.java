package org.postroom.imap.message;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One MIME entity of a message held as CRLF bytes: where its header and body lie, its parsed
 * Content-* fields, its children (multipart) or its encapsulated message (message/rfc822). Built by
 * {@link #parse(byte[])}; a small parser of our own so offsets, sizes and line counts are exact for
 * BODYSTRUCTURE and section fetches. Lenient: malformed MIME becomes text/plain, never an error.
 */
public final class MimePart {
    final byte[] data;
    final int start;
    final int bodyStart;
    final int end;
    final List<String[]> headers;
    final String type;
    final String subtype;
    final Map<String, String> params;
    final List<MimePart> children = new ArrayList<>();
    MimePart message;

    private MimePart(byte[] data, int start, int end, String defaultType) {
        this.data = data;
        this.start = start;
        this.end = end;
        int bs = headerEnd(data, start, end);
        this.bodyStart = bs;
        this.headers = parseHeaders(data, start, bs);
        String ct = header("Content-Type");
        String[] t = parseType(ct == null ? defaultType : ct);
        if (t == null) {
            t = new String[] {"text", "plain"};
        }
        this.type = t[0];
        this.subtype = t[1];
        this.params = ct == null ? new LinkedHashMap<>() : parseParams(ct);
        if (type.equals("text") && !params.containsKey("charset")) {
            params.put("charset", "us-ascii"); // RFC 2045's default, stated as Dovecot does
        }
    }

    /** Parses a whole message. */
    public static MimePart parse(byte[] crlfMessage) {
        return parse(crlfMessage, 0, crlfMessage.length, "text/plain", 0);
    }

    private static MimePart parse(byte[] data, int start, int end, String defaultType, int depth) {
        MimePart part = new MimePart(data, start, end, defaultType);
        if (depth > 20) {
            return part;
        }
        if (part.isMultipart()) {
            String boundary = part.params.get("boundary");
            if (boundary != null && !boundary.isEmpty()) {
                String childDefault = part.subtype.equals("digest") ? "message/rfc822" : "text/plain";
                part.splitMultipart(boundary, childDefault, depth);
            }
        } else if (part.isMessage()) {
            part.message = parse(data, part.bodyStart, end, "text/plain", depth + 1);
        }
        return part;
    }

    private void splitMultipart(String boundary, String childDefault, int depth) {
        byte[] delim = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        int i = bodyStart;
        int partStart = -1;
        while (i < end) {
            int lf = i;
            while (lf < end && data[lf] != '\n') {
                lf++;
            }
            if (startsWith(i, lf, delim)) {
                int after = i + delim.length;
                boolean closing = after + 1 < lf && data[after] == '-' && data[after + 1] == '-';
                int restFrom = closing ? after + 2 : after;
                boolean onlySpace = true;
                for (int k = restFrom; k < lf; k++) {
                    if (data[k] != ' ' && data[k] != '\t' && data[k] != '\r') {
                        onlySpace = false;
                        break;
                    }
                }
                if (onlySpace) {
                    if (partStart >= 0) {
                        int partEnd = i;
                        if (partEnd > partStart && data[partEnd - 1] == '\n') {
                            partEnd--;
                            if (partEnd > partStart && data[partEnd - 1] == '\r') {
                                partEnd--;
                            }
                        }
                        children.add(parse(data, partStart, Math.max(partStart, partEnd), childDefault, depth + 1));
                    }
                    if (closing) {
                        return;
                    }
                    partStart = Math.min(lf + 1, end);
                }
            }
            i = lf + 1;
        }
        if (partStart >= 0 && partStart < end) {
            children.add(parse(data, partStart, end, childDefault, depth + 1));
        }
    }

    private boolean startsWith(int from, int lineEnd, byte[] prefix) {
        if (lineEnd - from < prefix.length) {
            return false;
        }
        for (int k = 0; k < prefix.length; k++) {
            if (data[from + k] != prefix[k]) {
                return false;
            }
        }
        return true;
    }

    // ---- accessors

    public boolean isMultipart() {
        return type.equals("multipart");
    }

    public boolean isMessage() {
        return type.equals("message") && subtype.equals("rfc822");
    }

    public String type() {
        return type;
    }

    public String subtype() {
        return subtype;
    }

    public Map<String, String> params() {
        return params;
    }

    public List<MimePart> children() {
        return children;
    }

    /** The encapsulated message of a message/rfc822 part, or null. */
    public MimePart message() {
        return message;
    }

    /** The first value of a header field (unfolded, leading space trimmed), or null. */
    public String header(String name) {
        for (String[] h : headers) {
            if (h[0].equalsIgnoreCase(name)) {
                return h[1];
            }
        }
        return null;
    }

    /** All values of a header field. */
    public List<String> headers(String name) {
        List<String> out = new ArrayList<>();
        for (String[] h : headers) {
            if (h[0].equalsIgnoreCase(name)) {
                out.add(h[1]);
            }
        }
        return out;
    }

    public byte[] data() {
        return data;
    }

    public int start() {
        return start;
    }

    public int bodyStart() {
        return bodyStart;
    }

    public int end() {
        return end;
    }

    public int bodySize() {
        return end - bodyStart;
    }

    /** Lines of the body as BODYSTRUCTURE counts them: line ends, as Dovecot counts (a last line without one is not counted). */
    public int bodyLines() {
        int lines = 0;
        for (int i = bodyStart; i < end; i++) {
            if (data[i] == '\n') {
                lines++;
            }
        }
        return lines;
    }

    // ---- header parsing

    /** Index of the first body byte: after the blank line ending the header (or {@code end}). */
    private static int headerEnd(byte[] d, int start, int end) {
        if (start < end && d[start] == '\n') {
            return start + 1;
        }
        if (start + 1 < end && d[start] == '\r' && d[start + 1] == '\n') {
            return start + 2;
        }
        for (int i = start; i < end; i++) {
            if (d[i] == '\n') {
                if (i + 1 < end && d[i + 1] == '\n') {
                    return i + 2;
                }
                if (i + 2 < end && d[i + 1] == '\r' && d[i + 2] == '\n') {
                    return i + 3;
                }
            }
        }
        return end;
    }

    private static List<String[]> parseHeaders(byte[] d, int start, int end) {
        List<String[]> out = new ArrayList<>();
        String text = new String(d, start, end - start, StandardCharsets.UTF_8);
        String name = null;
        StringBuilder value = new StringBuilder();
        // Lines end at LF or CRLF (a lone CR stays in the line); scanned by hand: a regular-expression
        // split cost more than the rest of the parse, and IMAP SEARCH parses every message's header.
        for (int at = 0; at <= text.length(); ) {
            int lf = text.indexOf('\n', at);
            int next = lf < 0 ? text.length() + 1 : lf + 1;
            int lineEnd = lf < 0 ? text.length() : (lf > at && text.charAt(lf - 1) == '\r' ? lf - 1 : lf);
            String line = text.substring(at, lineEnd);
            at = next;
            if (!line.isEmpty() && (line.charAt(0) == ' ' || line.charAt(0) == '\t')) {
                if (name != null) {
                    value.append(line);
                }
                continue;
            }
            if (name != null) {
                out.add(new String[] {name, value.toString().strip()});
                name = null;
            }
            int colon = line.indexOf(':');
            if (colon > 0) {
                name = line.substring(0, colon).strip();
                value.setLength(0);
                value.append(line.substring(colon + 1));
            }
        }
        if (name != null) {
            out.add(new String[] {name, value.toString().strip()});
        }
        return out;
    }

    /** {type, subtype} in lower case, or null when malformed. */
    static String[] parseType(String ct) {
        String v = stripComments(ct);
        int semi = v.indexOf(';');
        String t = (semi < 0 ? v : v.substring(0, semi)).strip().toLowerCase(Locale.ROOT);
        int slash = t.indexOf('/');
        if (slash <= 0 || slash == t.length() - 1) {
            return null;
        }
        return new String[] {t.substring(0, slash).strip(), t.substring(slash + 1).strip()};
    }

    /** The {@code ; name=value} parameters of a structured field, names in lower case. */
    static Map<String, String> parseParams(String field) {
        Map<String, String> out = new LinkedHashMap<>();
        String v = stripComments(field);
        int i = v.indexOf(';');
        while (i >= 0 && i < v.length()) {
            i++;
            int eq = v.indexOf('=', i);
            if (eq < 0) {
                break;
            }
            String name = v.substring(i, eq).strip().toLowerCase(Locale.ROOT);
            int j = eq + 1;
            while (j < v.length() && (v.charAt(j) == ' ' || v.charAt(j) == '\t')) {
                j++;
            }
            String value;
            if (j < v.length() && v.charAt(j) == '"') {
                StringBuilder sb = new StringBuilder();
                j++;
                while (j < v.length() && v.charAt(j) != '"') {
                    if (v.charAt(j) == '\\' && j + 1 < v.length()) {
                        j++;
                    }
                    sb.append(v.charAt(j++));
                }
                value = sb.toString();
                i = v.indexOf(';', j);
            } else {
                int semi = v.indexOf(';', j);
                value = (semi < 0 ? v.substring(j) : v.substring(j, semi)).strip();
                i = semi;
            }
            if (!name.isEmpty()) {
                out.put(name, value);
            }
        }
        return out;
    }

    /** The value before the first ';' (a disposition type), lower case, or null. */
    static String mainValue(String field) {
        if (field == null) {
            return null;
        }
        String v = stripComments(field);
        int semi = v.indexOf(';');
        String t = (semi < 0 ? v : v.substring(0, semi)).strip();
        return t.isEmpty() ? null : t;
    }

    private static String stripComments(String s) {
        if (s.indexOf('(') < 0) {
            return s;
        }
        StringBuilder sb = new StringBuilder();
        int depth = 0;
        boolean quoted = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quoted) {
                sb.append(c);
                if (c == '\\' && i + 1 < s.length()) {
                    sb.append(s.charAt(++i));
                } else if (c == '"') {
                    quoted = false;
                }
            } else if (c == '"' && depth == 0) {
                quoted = true;
                sb.append(c);
            } else if (c == '(') {
                depth++;
            } else if (c == ')' && depth > 0) {
                depth--;
            } else if (depth == 0) {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
