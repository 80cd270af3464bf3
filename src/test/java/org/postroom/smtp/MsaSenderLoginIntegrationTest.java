package org.postroom.smtp;

import jakarta.mail.Address;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import org.eclipse.angus.mail.smtp.SMTPMessage;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.postroom.testsupport.TestEngine;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code inbound.msa.sender-must-match-login} end to end: Angus Mail logs in on the running engine's
 * msa listener and sends with an envelope sender it does not own (553, nothing delivered or spooled,
 * the connection goes on), then with its own; with the setting off the old behaviour remains; the
 * port-25-role smtp listener never asks.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MsaSenderLoginIntegrationTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private TestEngine engine;

    @BeforeAll
    void start() {
        engine = TestEngine.start(""); // the default: sender-must-match-login = true
    }

    @AfterAll
    void stop() {
        engine.close();
    }

    /** A message with its own envelope sender (MAIL FROM), whatever the header says. */
    private static SMTPMessage message(Session session, String envelopeFrom, String subject) throws Exception {
        SMTPMessage m = new SMTPMessage(session, new ByteArrayInputStream(("From: alice@example.test\r\n"
                + "Subject: " + subject + "\r\n\r\nhello\r\n").getBytes(StandardCharsets.UTF_8)));
        m.setEnvelopeFrom(envelopeFrom);
        return m;
    }

    private static Address[] to(String... addresses) throws Exception {
        Address[] out = new Address[addresses.length];
        for (int i = 0; i < addresses.length; i++) {
            out[i] = new InternetAddress(addresses[i]);
        }
        return out;
    }

    private boolean delivered(TestEngine e, String address, String marker) throws IOException {
        return SmtpClients.inbox(e.services().store(), address).stream().anyMatch(m -> m.contains(marker));
    }

    private List<Path> spooled(TestEngine e) throws IOException {
        Path spool = e.dataDir().resolve("spool");
        if (!Files.exists(spool)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(spool)) {
            return files.filter(Files::isRegularFile).toList();
        }
    }

    @Test
    void aSenderTheLoginDoesNotOwnShouldBeRefusedWith553AndTheOwnAddressThenAccepted() throws Exception {
        int port = SmtpListeners.port(engine, "msa");
        Session session = SmtpClients.angus(port, true, "PLAIN");
        try (Transport t = session.getTransport("smtp")) {
            t.connect("127.0.0.1", port, "alice@example.test", "alice-pw");

            SMTPSendFailedException refused = assertThrows(SMTPSendFailedException.class, () -> t.sendMessage(
                    message(session, "bob@example.test", "forged-sender"), to("bob@example.test", "x@remote.example")));
            assertEquals(553, refused.getReturnCode());
            assertTrue(refused.getMessage().contains(
                    "5.7.1 <bob@example.test>: Sender address rejected: not owned by user alice@example.test"),
                    refused.getMessage());
            assertTrue(t.isConnected(), "the session goes on after the refusal");

            // Over the same connection: the login's own address (in another case) is taken.
            t.sendMessage(message(session, "Alice@Example.Test", "own-sender"), to("bob@example.test"));
        }
        await().atMost(WAIT).until(() -> delivered(engine, "bob@example.test", "Subject: own-sender"));
        String stored = SmtpClients.find(engine.services().store(), "bob@example.test", "Subject: own-sender");
        assertTrue(stored.startsWith("Return-Path: <Alice@example.test>"), stored); // as given; domains are lower-cased
        // The refused transaction ended at MAIL: no DATA was sent, nothing was stored or spooled.
        assertTrue(!delivered(engine, "bob@example.test", "Subject: forged-sender"));
        assertEquals(List.of(), spooled(engine));
    }

    @Test
    void aForeignSenderShouldBeRefusedForALoginByLocalPartToo() throws Exception {
        int port = SmtpListeners.port(engine, "msa");
        Session session = SmtpClients.angus(port, true, "LOGIN");
        try (Transport t = session.getTransport("smtp")) {
            t.connect("127.0.0.1", port, "bob", "bob-pw");
            SMTPSendFailedException refused = assertThrows(SMTPSendFailedException.class, () -> t.sendMessage(
                    message(session, "ceo@elsewhere.example", "bob-as-ceo"), to("alice@example.test")));
            assertEquals(553, refused.getReturnCode());
            assertTrue(refused.getMessage().contains("not owned by user bob@example.test"), refused.getMessage());
            t.sendMessage(message(session, "bob@example.test", "bob-as-bob"), to("alice@example.test"));
        }
        await().atMost(WAIT).until(() -> delivered(engine, "alice@example.test", "Subject: bob-as-bob"));
        assertTrue(!delivered(engine, "alice@example.test", "Subject: bob-as-ceo"));
    }

    @Test
    void thePort25ListenerShouldStillTakeAnySender() throws Exception {
        int port = SmtpListeners.port(engine, "smtp");
        Session session = SmtpClients.angus(port, false, null);
        try (Transport t = session.getTransport("smtp")) {
            t.connect();
            t.sendMessage(message(session, "bob@example.test", "port25-any-sender"), to("alice@example.test"));
        }
        await().atMost(WAIT).until(() -> delivered(engine, "alice@example.test", "Subject: port25-any-sender"));
    }

    @Test
    void withTheSettingOffAnAuthenticatedUserShouldSendAsAnyoneAsBefore() throws Exception {
        try (TestEngine off = TestEngine.start("inbound.msa.sender-must-match-login = false")) {
            int port = SmtpListeners.port(off, "msa");
            Session session = SmtpClients.angus(port, true, "PLAIN");
            try (Transport t = session.getTransport("smtp")) {
                t.connect("127.0.0.1", port, "alice@example.test", "alice-pw");
                t.sendMessage(message(session, "bob@example.test", "off-forged"), to("bob@example.test"));
            }
            await().atMost(WAIT).until(() -> delivered(off, "bob@example.test", "Subject: off-forged"));
            String stored = SmtpClients.find(off.services().store(), "bob@example.test", "Subject: off-forged");
            assertTrue(stored.startsWith("Return-Path: <bob@example.test>"), stored);

            // A session opened before the reload keeps the rule it started with; sessions opened after
            // it follow the new one, and no restart is asked for.
            try (Transport before = session.getTransport("smtp")) {
                before.connect("127.0.0.1", port, "alice@example.test", "alice-pw");
                var result = off.reload("inbound.msa.sender-must-match-login = true");
                assertTrue(result.restartNeeded().isEmpty(), result.restartNeeded().toString());
                before.sendMessage(message(session, "bob@example.test", "off-still"), to("bob@example.test"));
            }
            await().atMost(WAIT).until(() -> delivered(off, "bob@example.test", "Subject: off-still"));
            try (Transport after = session.getTransport("smtp")) {
                after.connect("127.0.0.1", port, "alice@example.test", "alice-pw");
                SMTPSendFailedException refused = assertThrows(SMTPSendFailedException.class, () -> after.sendMessage(
                        message(session, "bob@example.test", "on-forged"), to("bob@example.test")));
                assertEquals(553, refused.getReturnCode());
            }
        }
    }
}
