package org.postroom.smtp.session;

import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The trace header a receiving SMTP server prepends (RFC 5321 section 4.4), folded over three lines
 * with CRLF line ends:
 * <pre>
 * Received: from client.example ([192.0.2.7])
 *         by mail.example.test (Postroom) with ESMTPA id 19C2F0A3B7K1
 *         for &lt;alice@example.test&gt;; Sun, 29 Nov 2026 06:40:00 +0000
 * </pre>
 * The {@code for} clause names the recipient only when there is exactly one (RFC 5321 advises against
 * disclosing the others). The client's HELO name is shown as given, minus characters that would break
 * the comment syntax; the IP is the peer's real one; no reverse DNS lookup is done.
 */
public final class ReceivedHeader {
    private static final DateTimeFormatter DATE =
            DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ENGLISH);

    private ReceivedHeader() {
    }

    public static String render(Envelope envelope, String hostname, String id, ZonedDateTime when) {
        StringBuilder sb = new StringBuilder(200);
        sb.append("Received: from ").append(clean(envelope.heloName()))
                .append(" (").append(addressLiteral(envelope.peerIp())).append(")\r\n");
        sb.append("\tby ").append(hostname).append(" (Postroom) with ").append(envelope.protocol())
                .append(" id ").append(id).append("\r\n");
        sb.append('\t');
        if (envelope.recipientCount() == 1) {
            String rcpt = envelope.localRecipients().isEmpty() ? envelope.remoteRecipients().get(0)
                    : envelope.localRecipients().get(0);
            sb.append("for <").append(rcpt).append(">; ");
        }
        sb.append(date(when)).append("\r\n");
        return sb.toString();
    }

    /** The last second formatted, and its offset: one DateTimeFormatter run per second, not per message. */
    private record FormattedSecond(long epochSecond, java.time.ZoneOffset offset, String text) {}

    private static volatile FormattedSecond lastDate = new FormattedSecond(Long.MIN_VALUE, null, "");

    static String date(ZonedDateTime when) {
        FormattedSecond last = lastDate;
        long second = when.toEpochSecond();
        if (last.epochSecond() != second || !when.getOffset().equals(last.offset())) {
            last = new FormattedSecond(second, when.getOffset(), DATE.format(when));
            lastDate = last;
        }
        return last.text();
    }

    private static String addressLiteral(String ip) {
        return ip.indexOf(':') >= 0 ? "[IPv6:" + ip + "]" : "[" + ip + "]";
    }

    private static String clean(String helo) {
        StringBuilder sb = new StringBuilder(helo.length());
        for (int i = 0; i < helo.length(); i++) {
            char c = helo.charAt(i);
            sb.append(c > ' ' && c < 127 && c != '(' && c != ')' && c != '\\' ? c : '_');
        }
        return sb.toString();
    }
}
