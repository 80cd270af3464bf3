package org.postroom.security;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.postroom.smtp.SmtpClients;
import org.postroom.testsupport.TestEngine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code smtp} listener is never an open relay, whatever the address tricks (percent hack, source
 * routes, quoted local parts, sub-domains of a local domain, a trailing dot, upper case, address
 * literals), with or without an AUTH attempt; nor is the MSA before AUTH. Nothing reaches the outbound
 * spool.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenRelayIntegrationTest {
    private static final List<String> TRICKS = List.of(
            "<user%remote.test@example.test>",
            "<alice%remote.test@example.test>",
            "<user!remote.test@example.test>",
            "<@route.example:user@remote.test>",
            "<@example.test:user@remote.test>",
            "<@example.test,@other.test:user@remote.test>",
            "<\"user@remote.test\"@example.test>",
            "<\"user%remote.test\"@example.test>",
            "<user@sub.example.test>",
            "<alice@mail.example.test>",
            "<user@example.test.>",
            "<user@remote.test.>",
            "<USER@REMOTE.TEST>",
            "<user@[127.0.0.1]>",
            "<user@[IPv6:::1]>",
            "<user@remote.test@example.test>",
            "<user@remote.test>",
            "user@remote.test",
            "<postmaster@remote.test>");

    private TestEngine engine;

    @BeforeAll
    void start() {
        engine = TestEngine.start("inbound.max-bad-commands = 1000");
    }

    @AfterAll
    void stop() {
        engine.close();
    }

    @Test
    void noTrickShouldGetARemoteRecipientAcceptedOnSmtp() throws Exception {
        try (Wire smtp = Wire.plain(engine.port("smtp"))) {
            smtp.reply();
            smtp.command("EHLO relay-tester.example");
            tryAll(smtp);
        }
        assertSpoolEmpty();
    }

    @Test
    void anAuthAttemptOnSmtpShouldNotOpenTheRelay() throws Exception {
        try (Wire smtp = Wire.plain(engine.port("smtp"))) {
            smtp.reply();
            smtp.command("EHLO relay-tester.example");
            String auth = smtp.command("AUTH PLAIN " + Wire.plainAuth("alice@example.test", "alice-pw"));
            assertFalse(auth.startsWith("2"), auth);
            tryAll(smtp);
        }
        assertSpoolEmpty();
    }

    @Test
    void theMsaShouldNotRelayBeforeAuth() throws Exception {
        try (Wire msa = Wire.plain(engine.port("msa"))) {
            msa.reply();
            msa.command("EHLO relay-tester.example");
            assertTrue(msa.command("MAIL FROM:<x@remote.test>").startsWith("530"));
            for (String trick : TRICKS) {
                String reply = msa.command("RCPT TO:" + trick);
                assertFalse(reply.startsWith("2"), trick + " -> " + reply);
            }
        }
        assertSpoolEmpty();
    }

    @Test
    void upperCaseLocalRecipientShouldBeDeliveredLocallyNotRelayed() throws Exception {
        try (Wire smtp = Wire.plain(engine.port("smtp"))) {
            smtp.reply();
            smtp.command("EHLO client.example");
            assertTrue(smtp.command("MAIL FROM:<x@remote.test>").startsWith("250"));
            assertTrue(smtp.command("RCPT TO:<ALICE@EXAMPLE.TEST>").startsWith("250"));
            assertTrue(smtp.command("DATA").startsWith("354"));
            assertTrue(smtp.command("Subject: upper-case-rcpt\r\n\r\nhi\r\n.").startsWith("250"));
        }
        SmtpClients.find(engine.services().store(), "alice@example.test", "Subject: upper-case-rcpt");
        assertSpoolEmpty();
    }

    private static void tryAll(Wire w) throws IOException {
        for (String trick : TRICKS) {
            String mail = w.command("MAIL FROM:<spammer@remote.test>");
            assertTrue(mail.startsWith("250") || mail.startsWith("503"), mail);
            String reply = w.command("RCPT TO:" + trick);
            assertFalse(reply.startsWith("2"), trick + " was accepted: " + reply);
            assertTrue(reply.startsWith("5"), trick + " -> " + reply);
            String data = w.command("DATA");
            assertFalse(data.startsWith("354"), "DATA after " + trick + ": " + data);
            assertEquals("250 2.0.0 Ok", w.command("RSET"));
        }
    }

    private void assertSpoolEmpty() throws IOException {
        Path spool = engine.dataDir().resolve("spool");
        try (Stream<Path> files = Files.walk(spool)) {
            List<Path> regular = files.filter(Files::isRegularFile).toList();
            assertTrue(regular.isEmpty(), "spooled: " + regular);
        }
    }
}
