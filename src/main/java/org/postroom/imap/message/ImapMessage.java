package org.postroom.imap.message;

import org.postroom.imap.codec.FetchAttribute.BodySection;
import org.postroom.imap.codec.FetchAttribute.SectionText;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

import static org.postroom.imap.codec.ImapStrings.nstring;
import static org.postroom.imap.codec.ImapStrings.string;

/**
 * A message as IMAP FETCH serves it: CRLF bytes plus their MIME tree. Answers ENVELOPE, BODY and
 * BODYSTRUCTURE (RFC 3501 7.4.2) and the bytes of body sections ({@code BODY[1.2.MIME]}...).
 * Header values go out as sent (encoded words stay encoded; clients decode them).
 */
public final class ImapMessage {
    private static final Pattern LANGUAGE_SEPARATOR = Pattern.compile("\\s*,\\s*");

    private final byte[] crlf;
    /** Parsed on first use: BODY[] and RFC822 of the whole message need no MIME tree. */
    private MimePart root;

    public ImapMessage(byte[] crlf) {
        this.crlf = crlf;
    }

    public byte[] bytes() {
        return crlf;
    }

    public MimePart root() {
        if (root == null) {
            root = MimePart.parse(crlf);
        }
        return root;
    }

    /** True once the MIME tree was built (tests). */
    boolean isParsed() {
        return root != null;
    }

    // ---- ENVELOPE

    public String envelope() {
        return envelope(root());
    }

    static String envelope(MimePart m) {
        List<Address> from = Address.parseList(m.header("From"));
        List<Address> sender = Address.parseList(m.header("Sender"));
        List<Address> replyTo = Address.parseList(m.header("Reply-To"));
        return "(" + nstring(m.header("Date"))
                + " " + nstring(m.header("Subject"))
                + " " + Address.list(from)
                + " " + Address.list(sender.isEmpty() ? from : sender)
                + " " + Address.list(replyTo.isEmpty() ? from : replyTo)
                + " " + Address.list(Address.parseList(m.header("To")))
                + " " + Address.list(Address.parseList(m.header("Cc")))
                + " " + Address.list(Address.parseList(m.header("Bcc")))
                + " " + nstring(m.header("In-Reply-To"))
                + " " + nstring(m.header("Message-ID"))
                + ")";
    }

    // ---- BODY / BODYSTRUCTURE

    public String bodyStructure(boolean extensible) {
        StringBuilder sb = new StringBuilder();
        structure(root(), extensible, sb);
        return sb.toString();
    }

    private static void structure(MimePart p, boolean ext, StringBuilder sb) {
        sb.append('(');
        if (p.isMultipart()) {
            if (p.children.isEmpty()) {
                sb.append("(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 0 0)");
            }
            for (MimePart c : p.children) {
                structure(c, ext, sb);
            }
            sb.append(' ').append(string(p.subtype.toUpperCase(Locale.ROOT)));
            if (ext) {
                sb.append(' ').append(params(p.params));
                sb.append(' ').append(disposition(p));
                sb.append(' ').append(language(p));
                sb.append(' ').append(nstring(p.header("Content-Location")));
            }
        } else {
            sb.append(string(p.type.toUpperCase(Locale.ROOT))).append(' ')
                    .append(string(p.subtype.toUpperCase(Locale.ROOT))).append(' ')
                    .append(params(p.params)).append(' ')
                    .append(nstring(p.header("Content-ID"))).append(' ')
                    .append(nstring(p.header("Content-Description"))).append(' ');
            String enc = MimePart.mainValue(p.header("Content-Transfer-Encoding"));
            sb.append(string(enc == null ? "7BIT" : enc.toUpperCase(Locale.ROOT))).append(' ')
                    .append(p.bodySize());
            if (p.isMessage() && p.message != null) {
                sb.append(' ').append(envelope(p.message)).append(' ');
                structure(p.message, ext, sb);
                sb.append(' ').append(p.bodyLines());
            } else if (p.type.equals("text")) {
                sb.append(' ').append(p.bodyLines());
            }
            if (ext) {
                sb.append(' ').append(nstring(p.header("Content-MD5")));
                sb.append(' ').append(disposition(p));
                sb.append(' ').append(language(p));
                sb.append(' ').append(nstring(p.header("Content-Location")));
            }
        }
        sb.append(')');
    }

    private static String params(Map<String, String> params) {
        if (params.isEmpty()) {
            return "NIL";
        }
        StringBuilder sb = new StringBuilder("(");
        for (var e : params.entrySet()) {
            if (sb.length() > 1) {
                sb.append(' ');
            }
            sb.append(string(e.getKey().toUpperCase(Locale.ROOT))).append(' ').append(string(e.getValue()));
        }
        return sb.append(')').toString();
    }

    private static String disposition(MimePart p) {
        String d = p.header("Content-Disposition");
        String value = MimePart.mainValue(d);
        if (value == null) {
            return "NIL";
        }
        return "(" + string(value) + " " + params(MimePart.parseParams(d)) + ")";
    }

    private static String language(MimePart p) {
        String l = p.header("Content-Language");
        if (l == null || l.isBlank()) {
            return "NIL";
        }
        String[] tags = LANGUAGE_SEPARATOR.split(l);
        if (tags.length == 1) {
            return string(tags[0].strip());
        }
        StringBuilder sb = new StringBuilder("(");
        for (String t : tags) {
            if (sb.length() > 1) {
                sb.append(' ');
            }
            sb.append(string(t.strip()));
        }
        return sb.append(')').toString();
    }

    // ---- sections

    /** The bytes a body section names (before any partial range); empty when the part does not exist. */
    public byte[] section(BodySection s) {
        if (s.part().isEmpty() && s.text() == SectionText.ALL) {
            return crlf; // BODY[]: the whole message, no MIME tree needed
        }
        MimePart target = root();
        for (int n : s.part()) {
            if (target != root() && target.isMessage() && target.message != null) {
                target = target.message;
            }
            if (target.isMultipart()) {
                if (n < 1 || n > target.children.size()) {
                    return new byte[0];
                }
                target = target.children.get(n - 1);
            } else if (n != 1) {
                return new byte[0];
            }
        }
        SectionText text = s.text();
        if (text == SectionText.ALL) {
            return s.part().isEmpty() ? crlf : slice(target.bodyStart, target.end);
        }
        if (text == SectionText.MIME) {
            return slice(target.start, target.bodyStart);
        }
        MimePart msg = s.part().isEmpty() ? root() : target.isMessage() ? target.message : null;
        if (msg == null) {
            return new byte[0];
        }
        return switch (text) {
            case HEADER -> slice(msg.start, msg.bodyStart);
            case TEXT -> slice(msg.bodyStart, msg.end);
            case HEADER_FIELDS -> headerFields(msg, s.fields(), true);
            case HEADER_FIELDS_NOT -> headerFields(msg, s.fields(), false);
            default -> new byte[0];
        };
    }

    private byte[] slice(int from, int to) {
        return Arrays.copyOfRange(crlf, from, Math.max(from, to));
    }

    /** The raw header lines (folding kept) whose names are (or are not) in {@code names}, plus CRLF. */
    private byte[] headerFields(MimePart m, List<String> names, boolean include) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int i = m.start;
        int headerEnd = m.bodyStart;
        boolean keep = false;
        while (i < headerEnd) {
            int lf = i;
            while (lf < headerEnd && crlf[lf] != '\n') {
                lf++;
            }
            int next = Math.min(lf + 1, headerEnd);
            boolean blank = lf - i == 0 || (lf - i == 1 && crlf[i] == '\r');
            if (blank) {
                break;
            }
            if (crlf[i] != ' ' && crlf[i] != '\t') {
                int colon = i;
                while (colon < lf && crlf[colon] != ':') {
                    colon++;
                }
                String name = new String(crlf, i, colon - i, StandardCharsets.ISO_8859_1).strip()
                        .toUpperCase(Locale.ROOT);
                keep = names.contains(name) == include;
            }
            if (keep) {
                out.write(crlf, i, next - i);
            }
            i = next;
        }
        out.write('\r');
        out.write('\n');
        return out.toByteArray();
    }

    /** Text of all headers of the top-level message (for SEARCH). */
    public List<String[]> topHeaders() {
        return new ArrayList<>(root().headers);
    }
}
