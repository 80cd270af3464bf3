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
            MimePart root = c.content().get().root();
            return contains(root.data(), root.bodyStart(), root.end(), b.value());
        }
        if (key instanceof SearchKey.Text t) {
            MimePart root = c.content().get().root();
            if (contains(root.data(), root.bodyStart(), root.end(), t.value())) {
                return true;
            }
            String headers = new String(root.data(), 0, root.bodyStart(), StandardCharsets.UTF_8);
            return decode(headers).toLowerCase(Locale.ROOT).contains(t.value().toLowerCase(Locale.ROOT));
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

    private static boolean contains(byte[] data, int from, int to, String needle) {
        String hay = new String(data, from, to - from, StandardCharsets.UTF_8).toLowerCase(Locale.ROOT);
        return hay.contains(needle.toLowerCase(Locale.ROOT));
    }
}
