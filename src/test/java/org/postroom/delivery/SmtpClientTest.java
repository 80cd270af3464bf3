package org.postroom.delivery;

import org.junit.jupiter.api.Test;
import org.postroom.queue.DeliveryOutcome;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The client conversation against scripted server replies, without a socket. */
class SmtpClientTest {
    private static final String EHLO_PIPELINING = "250-peer.test\r\n250-PIPELINING\r\n250-SIZE 100000\r\n250 8BITMIME\r\n";
    private static final byte[] MESSAGE = "Subject: t\r\n\r\n.dot line\r\n".getBytes(StandardCharsets.US_ASCII);

    private final ByteArrayOutputStream sent = new ByteArrayOutputStream();

    private SmtpClient client(String serverReplies) {
        return new SmtpClient(null, new ByteArrayInputStream(serverReplies.getBytes(StandardCharsets.UTF_8)), sent,
                Duration.ofSeconds(5));
    }

    private String sent() {
        return sent.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aPipeliningServerShouldGetMailRcptAndDataInOneGroupAndADotStuffedBody() {
        SmtpClient c = client("220 hi\r\n" + EHLO_PIPELINING
                + "250 ok\r\n250 ok\r\n550 5.1.1 unknown\r\n354 go\r\n250 2.0.0 queued\r\n");
        assertInstanceOf(SmtpClient.Opened.class, c.handshake("mail.example.test"));
        assertTrue(c.pipelining());
        SmtpClient.TransactionResult r = c.send("alice@example.test", List.of("x@remote.test", "bad@remote.test"), MESSAGE);
        assertEquals(new DeliveryOutcome.Delivered("250 2.0.0 queued"), r.outcomes().get("x@remote.test"));
        assertEquals(new DeliveryOutcome.Failed("550 5.1.1 unknown"), r.outcomes().get("bad@remote.test"));
        assertTrue(r.reusable());
        assertEquals("EHLO mail.example.test\r\n"
                + "MAIL FROM:<alice@example.test> SIZE=" + MESSAGE.length + "\r\n"
                + "RCPT TO:<x@remote.test>\r\nRCPT TO:<bad@remote.test>\r\nDATA\r\n"
                + "Subject: t\r\n\r\n..dot line\r\n.\r\n", sent());
    }

    @Test
    void aSecondMessageOnTheSameConnectionShouldBePrecededByRset() {
        SmtpClient c = client("220 hi\r\n250 peer.test\r\n"
                + "250 ok\r\n250 ok\r\n354 go\r\n250 queued\r\n"
                + "250 reset\r\n250 ok\r\n250 ok\r\n354 go\r\n451 4.3.0 try later\r\n");
        assertInstanceOf(SmtpClient.Opened.class, c.handshake("h"));
        assertFalse(c.pipelining());
        c.send("", List.of("x@remote.test"), MESSAGE);
        SmtpClient.TransactionResult r = c.send("a@b.test", List.of("y@remote.test"), MESSAGE);
        assertEquals(new DeliveryOutcome.Deferred("451 4.3.0 try later"), r.outcomes().get("y@remote.test"));
        assertTrue(sent().contains("MAIL FROM:<>\r\n"));
        assertTrue(sent().contains(".\r\nRSET\r\nMAIL FROM:<a@b.test>\r\n"), sent());
    }

    @Test
    void ehloRefusedShouldFallBackToHelo() {
        SmtpClient c = client("220 hi\r\n502 5.5.2 what\r\n250 hello\r\n");
        assertInstanceOf(SmtpClient.Opened.class, c.handshake("h"));
        assertEquals("EHLO h\r\nHELO h\r\n", sent());
    }

    @Test
    void a421Or554GreetingOrAnEarlyCloseShouldBeACacheableConnectionFailure() {
        for (String script : List.of("421 4.3.2 busy\r\n", "554 5.7.1 go away\r\n", "", "220 hi\r\n")) {
            SmtpClient.OpenResult r = client(script).handshake("h");
            SmtpClient.ConnectionFailed f = assertInstanceOf(SmtpClient.ConnectionFailed.class, r, script);
            assertTrue(f.cacheable(), script);
        }
    }

    @Test
    void mailRejectionsShouldDeferOrFailEveryRecipient() {
        SmtpClient c = client("220 hi\r\n" + EHLO_PIPELINING + "452 4.3.1 full\r\n503 no\r\n503 no\r\n");
        c.handshake("h");
        SmtpClient.TransactionResult r = c.send("a@b.test", List.of("x@remote.test"), MESSAGE);
        assertEquals(new DeliveryOutcome.Deferred("452 4.3.1 full"), r.outcomes().get("x@remote.test"));

        SmtpClient d = client("220 hi\r\n250 h\r\n553 5.1.8 bad sender\r\n");
        d.handshake("h");
        r = d.send("a@b.test", List.of("x@remote.test"), MESSAGE);
        assertEquals(new DeliveryOutcome.Failed("553 5.1.8 bad sender"), r.outcomes().get("x@remote.test"));
    }

    @Test
    void aConnectionLostInTheMiddleShouldDeferAndNotBeReused() {
        SmtpClient c = client("220 hi\r\n" + EHLO_PIPELINING + "250 ok\r\n250 ok\r\n354 go\r\n");
        c.handshake("h");
        SmtpClient.TransactionResult r = c.send("a@b.test", List.of("x@remote.test"), MESSAGE);
        assertInstanceOf(DeliveryOutcome.Deferred.class, r.outcomes().get("x@remote.test"));
        assertFalse(r.reusable());
    }

    @Test
    void aMessageLargerThanTheAdvertisedSizeShouldFailWithoutBeingSent() {
        SmtpClient c = client("220 hi\r\n250-h\r\n250 SIZE 10\r\n");
        c.handshake("h");
        SmtpClient.TransactionResult r = c.send("a@b.test", List.of("x@remote.test"), MESSAGE);
        assertInstanceOf(DeliveryOutcome.Failed.class, r.outcomes().get("x@remote.test"));
        assertFalse(sent().contains("MAIL"));
    }

    @Test
    void anEightBitBodyShouldBeAnnouncedWhenTheServerOffers8BitMime() {
        SmtpClient c = client("220 hi\r\n" + EHLO_PIPELINING + "250 ok\r\n250 ok\r\n354 go\r\n250 ok\r\n");
        c.handshake("h");
        byte[] body = "Subject: café\r\n\r\nx\r\n".getBytes(StandardCharsets.UTF_8);
        c.send("a@b.test", List.of("x@remote.test"), body);
        assertTrue(sent().contains("MAIL FROM:<a@b.test> SIZE=" + body.length + " BODY=8BITMIME\r\n"), sent());
    }

    @Test
    void aKeptConnectionThatDiedWhileIdleShouldBeReportedStaleWithoutAnAttempt() {
        SmtpClient c = client("220 hi\r\n250 h\r\n250 ok\r\n250 ok\r\n354 go\r\n250 queued\r\n");
        c.handshake("h");
        assertInstanceOf(DeliveryOutcome.Delivered.class, c.send("a@b.test", List.of("x@remote.test"), MESSAGE)
                .outcomes().get("x@remote.test"));
        SmtpClient.TransactionResult r = c.send("a@b.test", List.of("y@remote.test"), MESSAGE);
        assertTrue(r.stale());
        assertTrue(r.outcomes().isEmpty());
    }

    /** Records what was sent, one string per flush (each write of the client is flushed at once). */
    private static final class FlushRecorder extends java.io.OutputStream {
        final List<String> groups = new java.util.ArrayList<>();
        private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

        @Override
        public void write(int b) {
            pending.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            pending.write(b, off, len);
        }

        @Override
        public void flush() {
            groups.add(pending.toString(StandardCharsets.UTF_8));
            pending.reset();
        }
    }

    @Test
    void aPipeliningServerShouldGetTheRsetOfALaterTransactionInTheSameGroupAsMailRcptAndData() {
        FlushRecorder recorder = new FlushRecorder();
        SmtpClient c = new SmtpClient(null, new ByteArrayInputStream(("220 hi\r\n" + EHLO_PIPELINING
                + "250 ok\r\n250 ok\r\n354 go\r\n250 queued\r\n"
                + "250 reset\r\n250 ok\r\n250 ok\r\n354 go\r\n250 queued again\r\n")
                .getBytes(StandardCharsets.UTF_8)), recorder, Duration.ofSeconds(5));
        c.handshake("h");
        c.send("a@b.test", List.of("x@remote.test"), MESSAGE);
        SmtpClient.TransactionResult r = c.send("a@b.test", List.of("y@remote.test"), MESSAGE);
        assertFalse(r.stale());
        assertEquals(new DeliveryOutcome.Delivered("250 queued again"), r.outcomes().get("y@remote.test"));
        assertEquals("RSET\r\nMAIL FROM:<a@b.test> SIZE=" + MESSAGE.length + "\r\nRCPT TO:<y@remote.test>\r\nDATA\r\n",
                recorder.groups.get(recorder.groups.size() - 2), recorder.groups.toString());
        assertEquals(5, recorder.groups.size(), "EHLO, group, body, group, body: " + recorder.groups);
    }

    @Test
    void aPipelinedRsetWithoutAnswerOrRefusedShouldBeStaleWithoutSendingTheBody() {
        String first = "220 hi\r\n" + EHLO_PIPELINING + "250 ok\r\n250 ok\r\n354 go\r\n250 queued\r\n";
        for (String after : List.of("", "500 what\r\n250 ok\r\n250 ok\r\n354 go\r\n")) {
            sent.reset();
            SmtpClient c = client(first + after);
            c.handshake("h");
            c.send("a@b.test", List.of("x@remote.test"), MESSAGE);
            SmtpClient.TransactionResult r = c.send("a@b.test", List.of("y@remote.test"), MESSAGE);
            assertTrue(r.stale(), after);
            assertFalse(r.reusable());
            assertTrue(r.outcomes().isEmpty());
            assertTrue(sent().endsWith("RSET\r\nMAIL FROM:<a@b.test> SIZE=" + MESSAGE.length
                    + "\r\nRCPT TO:<y@remote.test>\r\nDATA\r\n"), sent());
        }
    }

    @Test
    void aLongLivedConnectionShouldKeepOnlyTheLastLinesOfItsTranscript() {
        StringBuilder replies = new StringBuilder("220 hi\r\n" + EHLO_PIPELINING + "250 ok\r\n250 ok\r\n354 go\r\n250 queued\r\n");
        for (int i = 1; i < 200; i++) {
            replies.append("250 reset\r\n250 ok\r\n250 ok\r\n354 go\r\n250 queued ").append(i).append("\r\n");
        }
        SmtpClient c = client(replies.toString());
        c.handshake("h");
        for (int i = 0; i < 200; i++) {
            assertFalse(c.send("a@b.test", List.of("x@remote.test"), MESSAGE).stale());
        }
        List<String> t = c.transcript();
        assertEquals(SmtpClient.TRANSCRIPT_LINES, t.size());
        assertEquals("S: 250 queued 199", t.get(t.size() - 1));
    }
}
