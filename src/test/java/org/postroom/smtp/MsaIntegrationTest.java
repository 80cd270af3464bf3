package org.postroom.smtp;

import jakarta.mail.Address;
import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.postroom.smtp.SmtpTestSupport.RecordingSpool;
import org.postroom.smtp.session.QueueIds;
import org.postroom.smtp.session.SmtpListener;
import org.postroom.smtp.session.StoreAndSpoolAcceptor;
import org.postroom.testsupport.TestEngine;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The submission (msa) listener over real sockets with Angus Mail: AUTH required, wrong, right. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MsaIntegrationTest {
    private TestEngine engine;
    private int port;

    @BeforeAll
    void start() {
        engine = TestEngine.start("");
        port = SmtpListeners.port(engine, "msa");
    }

    @AfterAll
    void stop() {
        engine.close();
    }

    private static void send(Session session, int port, String user, String password, String raw, String... rcpts)
            throws Exception {
        Address[] to = new Address[rcpts.length];
        for (int i = 0; i < rcpts.length; i++) {
            to[i] = new InternetAddress(rcpts[i]);
        }
        try (Transport t = session.getTransport("smtp")) {
            t.connect("127.0.0.1", port, user, password);
            t.sendMessage(SmtpClients.raw(session, raw), to);
        }
    }

    @Test
    void mailWithoutAuthShouldBeRefusedWith530() {
        SMTPSendFailedException e = assertThrows(SMTPSendFailedException.class, () ->
                send(SmtpClients.angus(port, false, null), port, null, null, "Subject: noauth\r\n\r\nx\r\n",
                        "bob@example.test"));
        assertEquals(530, e.getReturnCode());
    }

    @Test
    void wrongPasswordShouldFailAuthentication() {
        for (String mechanism : List.of("PLAIN", "LOGIN")) {
            AuthenticationFailedException e = assertThrows(AuthenticationFailedException.class, () ->
                    send(SmtpClients.angus(port, true, mechanism), port, "alice@example.test", "wrong",
                            "Subject: x\r\n\r\nx\r\n", "bob@example.test"));
            assertTrue(e.getMessage().contains("535 5.7.8"), mechanism + ": " + e.getMessage());
        }
    }

    @Test
    void rightCredentialsWithPlainAndLoginShouldSubmit() throws Exception {
        for (String mechanism : List.of("PLAIN", "LOGIN")) {
            send(SmtpClients.angus(port, true, mechanism), port, "alice@example.test", "alice-pw",
                    "From: alice@example.test\r\nSubject: via-" + mechanism + "\r\n\r\nhello bob\r\n", "bob@example.test");
            String stored = SmtpClients.find(engine.services().store(), "bob@example.test", "Subject: via-" + mechanism);
            assertTrue(stored.startsWith("Return-Path: <"), stored);
            assertTrue(stored.contains(" with ESMTPA id "), stored);
            assertTrue(stored.endsWith("\n\nhello bob\n"), stored);
        }
    }

    @Test
    void remoteRecipientOfAnAuthenticatedUserShouldGoToTheOutboundSpool() throws Exception {
        // A spool double: the engine's spool belongs to the outbound issue.
        RecordingSpool spool = new RecordingSpool();
        int msa = SmtpListeners.listen(engine, SmtpProtocol.of(SmtpListener.MSA, services ->
                new StoreAndSpoolAcceptor(services.store(), spool, services.settings().hostname(),
                        Clock.systemUTC(), new QueueIds()))).getPort();
        send(SmtpClients.angus(msa, true, "PLAIN"), msa, "bob", "bob-pw",
                "From: bob@example.test\r\nSubject: out\r\n\r\n.dotted\r\nfar away\r\n",
                "friend@remote.example", "alice@example.test", "other@elsewhere.example");
        assertEquals(1, spool.entries.size());
        RecordingSpool.Entry entry = spool.entries.get(0);
        assertEquals(List.of("friend@remote.example", "other@elsewhere.example"), entry.recipients());
        String message = new String(entry.message(), StandardCharsets.UTF_8);
        assertTrue(message.startsWith("Received: from client.example ([127.0.0.1])\r\n"), message);
        assertTrue(message.endsWith("\r\n\r\n.dotted\r\nfar away\r\n"), message);
        SmtpClients.find(engine.services().store(), "alice@example.test", "Subject: out");
    }
}
