package org.postroom.queue;

import jakarta.mail.BodyPart;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DsnTest {

    @Test
    void aDsnShouldBeAMultipartReportWithOneBlockPerFailedRecipient() throws Exception {
        Instant now = Instant.parse("2026-01-01T10:00:00Z");
        RecipientState failed = new RecipientState("x@remote.test", RecipientState.Status.FAILED, 1, now,
                "550 5.1.1 <x@remote.test>: User unknown");
        Envelope env = new Envelope("q1", "alice@example.test", now, 10, List.of(failed));
        byte[] original = "Subject: lunch\r\nFrom: alice@example.test\r\n\r\nbody text\r\n".getBytes(StandardCharsets.US_ASCII);

        byte[] dsn = Dsn.build("mail.example.test", env, List.of(failed), original, now);

        MimeMessage m = new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(dsn));
        assertTrue(m.getContentType().startsWith("multipart/report"), m.getContentType());
        assertTrue(m.getContentType().contains("report-type=delivery-status"), m.getContentType());
        assertEquals("alice@example.test", m.getAllRecipients()[0].toString());
        MimeMultipart mp = (MimeMultipart) m.getContent();
        assertEquals(3, mp.getCount());
        BodyPart status = mp.getBodyPart(1);
        assertTrue(status.isMimeType("message/delivery-status"));
        String statusText;
        try (InputStream in = status.getInputStream()) {
            statusText = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
        assertTrue(statusText.contains("Reporting-MTA: dns; mail.example.test"), statusText);
        assertTrue(statusText.contains("Final-Recipient: rfc822; x@remote.test"), statusText);
        assertTrue(statusText.contains("Action: failed"), statusText);
        assertTrue(statusText.contains("Status: 5.1.1"), statusText);
        assertTrue(statusText.contains("Diagnostic-Code: smtp; 550 5.1.1"), statusText);
        String headers;
        try (InputStream in = mp.getBodyPart(2).getInputStream()) {
            headers = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
        assertTrue(headers.contains("Subject: lunch"));
        assertTrue(!headers.contains("body text"));
    }
}
