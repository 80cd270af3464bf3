package org.postroom.queue;

import jakarta.activation.DataHandler;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import jakarta.mail.util.ByteArrayDataSource;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Date;
import java.util.List;
import java.util.Properties;

/**
 * Builds a delivery status notification (RFC 3464): a {@code multipart/report;
 * report-type=delivery-status} with a human-readable part, the {@code message/delivery-status} part
 * (one per-recipient block for each failed recipient) and the original message's headers
 * ({@code text/rfc822-headers}). Sent from {@code MAILER-DAEMON@hostname} with the null sender.
 */
public final class Dsn {
    private static final DateTimeFormatter RFC822 = DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC);

    private Dsn() {
    }

    /** The DSN as CRLF bytes. */
    public static byte[] build(String hostname, Envelope env, List<RecipientState> failed, byte[] originalCrlf,
                               Instant now) {
        try {
            Session session = Session.getInstance(new Properties());
            MimeMessage msg = new MimeMessage(session);
            msg.setFrom(new InternetAddress("MAILER-DAEMON@" + hostname, "Mail Delivery System"));
            msg.setRecipients(jakarta.mail.Message.RecipientType.TO, InternetAddress.parse(env.sender(), false));
            msg.setSubject("Undelivered Mail Returned to Sender");
            msg.setSentDate(Date.from(now));
            msg.setHeader("Auto-Submitted", "auto-replied");

            StringBuilder human = new StringBuilder();
            human.append("This is the mail system at host ").append(hostname).append(".\r\n\r\n");
            human.append("I'm sorry to have to inform you that your message could not\r\n");
            human.append("be delivered to one or more recipients.\r\n\r\n");
            for (RecipientState r : failed) {
                human.append("<").append(r.address()).append(">: ").append(r.lastError()).append("\r\n");
            }
            MimeBodyPart text = new MimeBodyPart();
            text.setText(human.toString(), "UTF-8");

            StringBuilder status = new StringBuilder();
            status.append("Reporting-MTA: dns; ").append(hostname).append("\r\n");
            status.append("X-Postroom-Queue-ID: ").append(env.id()).append("\r\n");
            status.append("Arrival-Date: ").append(RFC822.format(env.created())).append("\r\n");
            for (RecipientState r : failed) {
                status.append("\r\n");
                status.append("Final-Recipient: rfc822; ").append(r.address()).append("\r\n");
                status.append("Action: failed\r\n");
                status.append("Status: ").append(statusCode(r.lastError())).append("\r\n");
                String diag = r.lastError().replaceAll("[\\r\\n]+", " ").trim();
                if (diag.matches("^[2-5]\\d\\d[ -].*")) {
                    status.append("Diagnostic-Code: smtp; ").append(diag).append("\r\n");
                } else if (!diag.isEmpty()) {
                    status.append("Diagnostic-Code: X-Postroom; ").append(diag).append("\r\n");
                }
                status.append("Last-Attempt-Date: ").append(RFC822.format(now)).append("\r\n");
            }
            MimeBodyPart report = new MimeBodyPart();
            report.setDataHandler(new DataHandler(new ByteArrayDataSource(
                    status.toString().getBytes(StandardCharsets.US_ASCII), "message/delivery-status")));
            report.setHeader("Content-Type", "message/delivery-status");

            MimeBodyPart headers = new MimeBodyPart();
            headers.setDataHandler(new DataHandler(new ByteArrayDataSource(
                    headerBlock(originalCrlf), "text/rfc822-headers")));
            headers.setHeader("Content-Type", "text/rfc822-headers");

            MimeMultipart mp = new MimeMultipart("report");
            mp.addBodyPart(text);
            mp.addBodyPart(report);
            mp.addBodyPart(headers);
            msg.setContent(mp);
            msg.saveChanges();
            // MimeMultipart("report") gives "multipart/report"; add the required parameter.
            String ct = msg.getContentType();
            if (!ct.contains("report-type")) {
                msg.setHeader("Content-Type", ct + "; report-type=delivery-status");
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            msg.writeTo(out);
            return out.toByteArray();
        } catch (Exception e) {
            throw new IllegalStateException("cannot build DSN", e);
        }
    }

    /** The enhanced status code from an SMTP reply ("550 5.1.1 ..."), else a generic permanent one. */
    static String statusCode(String reply) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^\\d{3}[ -]([245]\\.\\d{1,3}\\.\\d{1,3})")
                .matcher(reply == null ? "" : reply.trim());
        if (m.find()) {
            return m.group(1);
        }
        if (reply != null && reply.startsWith("4")) {
            return "4.0.0";
        }
        return reply != null && reply.contains("expired") ? "4.4.7" : "5.0.0";
    }

    /** The header section of a CRLF message, up to and including the blank line. */
    static byte[] headerBlock(byte[] crlf) {
        for (int i = 0; i + 3 < crlf.length; i++) {
            if (crlf[i] == '\r' && crlf[i + 1] == '\n' && crlf[i + 2] == '\r' && crlf[i + 3] == '\n') {
                return java.util.Arrays.copyOf(crlf, i + 2);
            }
        }
        return crlf;
    }
}
