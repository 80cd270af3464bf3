package org.postroom.security;

import org.junit.jupiter.api.Test;
import org.postroom.testsupport.TestEngine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** MSA TLS-before-AUTH and the SMTP early-talker check, over real sockets. */
class SmtpPolicyIntegrationTest {

    @Test
    void msaRequiringTlsShouldNeitherOfferNorAcceptAuthBeforeStartTls() throws Exception {
        try (TestEngine engine = TestEngine.start("inbound.msa.require-tls-for-auth = true")) {
            try (Wire msa = Wire.plain(engine.port("msa"))) {
                assertTrue(msa.reply().startsWith("220 "));
                String ehlo = msa.command("EHLO client.example");
                assertTrue(ehlo.contains("STARTTLS"), ehlo);
                assertFalse(ehlo.contains("AUTH"), ehlo);
                assertEquals("538 5.7.11 Encryption required for requested authentication mechanism",
                        msa.command("AUTH PLAIN " + Wire.plainAuth("alice@example.test", "alice-pw")));
                assertEquals("530 5.7.0 Must issue a STARTTLS command first",
                        msa.command("MAIL FROM:<alice@example.test>"));
                assertTrue(msa.command("STARTTLS").startsWith("220 "));
                msa.startTls();
                String secure = msa.command("EHLO client.example");
                assertTrue(secure.contains("AUTH PLAIN LOGIN"), secure);
                assertFalse(secure.contains("STARTTLS"), secure);
                assertTrue(msa.command("AUTH PLAIN " + Wire.plainAuth("alice@example.test", "alice-pw"))
                        .startsWith("235"));
                assertTrue(msa.command("MAIL FROM:<alice@example.test>").startsWith("250"));
            }
        }
    }

    @Test
    void msaOnLoopbackShouldOfferAuthInPlaintextByDefault() throws Exception {
        try (TestEngine engine = TestEngine.start("")) {
            try (Wire msa = Wire.plain(engine.port("msa"))) {
                msa.reply();
                assertTrue(msa.command("EHLO client.example").contains("AUTH PLAIN LOGIN"));
            }
        }
    }

    @Test
    void aClientTalkingBeforeTheGreetingShouldBeDropped() throws Exception {
        try (TestEngine engine = TestEngine.start("inbound.smtp.greeting-delay = 1500ms")) {
            try (Wire early = Wire.plain(engine.port("smtp"))) {
                early.send("EHLO spammer.example\r\nMAIL FROM:<x@spammer.example>\r\n");
                assertEquals("554 5.5.0 mail.example.test No SMTP service here: client talked before the greeting",
                        early.reply());
                assertTrue(early.closedByServer());
            }
            try (Wire patient = Wire.plain(engine.port("smtp"))) {
                assertTrue(patient.reply().startsWith("220 mail.example.test"));
                assertTrue(patient.command("EHLO client.example").startsWith("250"));
            }
            // The submission listener has no greeting delay.
            try (Wire msa = Wire.plain(engine.port("msa"))) {
                assertTrue(msa.reply().startsWith("220 "));
            }
        }
    }
}
