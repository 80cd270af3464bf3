package org.postroom.imap.session;

import jakarta.mail.internet.MailDateFormat;
import jakarta.mail.internet.MimeUtility;
import org.postroom.imap.codec.SearchKey;
import org.postroom.imap.mailbox.MessageRecord;
import org.postroom.imap.message.ImapMessage;
import org.postroom.imap.message.MimePart;

import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.Date;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Evaluates a {@link SearchKey} against one message. The message's content is loaded only when a
 * header or text criterion needs it. Text matching is a case-insensitive substring test on the
 * header values (encoded words decoded) and on the raw body (transfer encodings not decoded: a
 * known gap for base64 and quoted-printable bodies).
 */
final class SearchEvaluator {

    /** What a key can be tested against. */
    record Candidate(int msn, int exists, long maxUid, MessageRecord record, boolean recent,
                     Supplier<ImapMessage> content) {}

    private SearchEvaluator() {
    }

    /**
     * True when {@code key} looks into a message's body (BODY, TEXT); every other content criterion
     * needs the header block only, which the session can answer from {@code MessageSummaries}.
     */
    static boolean needsBody(SearchKey key) {
        if (key instanceof SearchKey.Body || key instanceof SearchKey.Text) {
            return true;
        }
        if (key instanceof SearchKey.And and) {
            return and.keys().stream().anyMatch(SearchEvaluator::needsBody);
        }
        if (key instanceof SearchKey.Or or) {
            return needsBody(or.left()) || needsBody(or.right());
        }
        if (key instanceof SearchKey.Not not) {
            return needsBody(not.key());
        }
        return false;
    }

    static boolean matches(SearchKey key, Candidate c) {
        if (key instanceof SearchKey.All) {
            return true;
        }
        if (key instanceof SearchKey.And and) {
            for (SearchKey k : and.keys()) {
                if (!matches(k, c)) {
                    return false;
                }
            }
            return true;
        }
        if (key instanceof SearchKey.Or or) {
            return matches(or.left(), c) || matches(or.right(), c);
        }
        if (key instanceof SearchKey.Not not) {
            return !matches(not.key(), c);
        }
        if (key instanceof SearchKey.Flag flag) {
            boolean has = c.record().flags().stream().anyMatch(f -> f.equalsIgnoreCase(flag.flag()));
            return has == flag.present();
        }
        if (key instanceof SearchKey.Recent r) {
            return c.recent() == r.present();
        }
        if (key instanceof SearchKey.New) {
            return c.recent() && !c.record().flags().contains("\\Seen");
        }
        if (key instanceof SearchKey.Size s) {
            return s.larger() ? c.record().size() > s.size() : c.record().size() < s.size();
        }
        if (key instanceof SearchKey.Uid u) {
            return u.set().contains(c.record().uid(), c.maxUid());
        }
        if (key instanceof SearchKey.Sequence s) {
            return s.set().contains(c.msn(), c.exists());
        }
        if (key instanceof SearchKey.DateKey d) {
            LocalDate date;
            if (d.internal()) {
                date = Instant.ofEpochMilli(c.record().internalDate()).atZone(ZoneId.systemDefault()).toLocalDate();
            } else {
                date = sentDate(c.content().get().root());
                if (date == null) {
                    return false;
                }
            }
            return switch (d.op()) {
                case BEFORE -> date.isBefore(d.date());
                case ON -> date.isEqual(d.date());
                case SINCE -> !date.isBefore(d.date());
            };
        }
        if (key instanceof SearchKey.Header h) {
            String needle = h.value().toLowerCase(Locale.ROOT);
            for (String v : c.content().get().root().headers(h.field())) {
                if (decode(v).toLowerCase(Locale.ROOT).contains(needle)) {
                    return true;
                }
            }
            return false;
        }
        if (key instanceof SearchKey.Body b) {
            return bodyContains(c.content().get().root(), b.value().toLowerCase(Locale.ROOT));
        }
        if (key instanceof SearchKey.Text t) {
            MimePart root = c.content().get().root();
            String needle = t.value().toLowerCase(Locale.ROOT);
            if (bodyContains(root, needle)) {
                return true;
            }
            String headers = new String(root.data(), 0, root.bodyStart(), StandardCharsets.UTF_8);
            return decode(headers).toLowerCase(Locale.ROOT).contains(needle);
        }
        return false;
    }

    private static LocalDate sentDate(MimePart root) {
        String date = root.header("Date");
        if (date == null) {
            return null;
        }
        try {
            Date d = new MailDateFormat().parse(date);
            return d == null ? null : d.toInstant().atZone(ZoneId.systemDefault()).toLocalDate();
        } catch (ParseException | RuntimeException e) {
            return null;
        }
    }

    private static String decode(String value) {
        try {
            return MimeUtility.decodeText(value);
        } catch (Exception e) {
            return value;
        }
    }

    /**
     * True when the body contains {@code needle} (lower case): the raw body, and each text part
     * decoded from its transfer encoding (base64, quoted-printable) and charset.
     */
    private static boolean bodyContains(MimePart root, String needle) {
        String raw = new String(root.data(), root.bodyStart(), root.end() - root.bodyStart(), StandardCharsets.UTF_8);
        if (raw.toLowerCase(Locale.ROOT).contains(needle)) {
            return true;
        }
        return partContains(root, needle, 0);
    }

    private static boolean partContains(MimePart p, String needle, int depth) {
        if (depth > 10) {
            return false;
        }
        if (p.isMultipart()) {
            for (MimePart child : p.children()) {
                if (partContains(child, needle, depth + 1)) {
                    return true;
                }
            }
            return false;
        }
        if (p.isMessage() && p.message() != null) {
            return partContains(p.message(), needle, depth + 1);
        }
        if (!p.type().equals("text")) {
            return false;
        }
        String enc = p.header("Content-Transfer-Encoding");
        if (enc == null) {
            return false; // the raw test already covered it
        }
        enc = enc.strip().toLowerCase(Locale.ROOT);
        if (!enc.equals("base64") && !enc.equals("quoted-printable")) {
            return false;
        }
        try (java.io.InputStream in = MimeUtility.decode(new java.io.ByteArrayInputStream(p.data(), p.bodyStart(),
                p.bodySize()), enc)) {
            byte[] decoded = in.readAllBytes();
            java.nio.charset.Charset cs;
            try {
                cs = java.nio.charset.Charset.forName(p.params().getOrDefault("charset", "us-ascii"));
            } catch (RuntimeException e) {
                cs = StandardCharsets.UTF_8;
            }
            return new String(decoded, cs).toLowerCase(Locale.ROOT).contains(needle);
        } catch (Exception e) {
            return false;
        }
    }
}
