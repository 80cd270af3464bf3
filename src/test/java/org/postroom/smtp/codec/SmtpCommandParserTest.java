package org.postroom.smtp.codec;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.postroom.smtp.codec.Paths.Mailbox;
import org.postroom.smtp.codec.SmtpCommand.BodyType;

import java.util.Optional;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

class SmtpCommandParserTest {

    private static SmtpCommand parse(String line) {
        return SmtpCommandParser.parse(line);
    }

    @Test
    void simpleVerbsShouldParseCaseInsensitively() {
        assertEquals(new SmtpCommand.Ehlo("client.example"), parse("ehlo client.example"));
        assertEquals(new SmtpCommand.Helo("[127.0.0.1]"), parse("HELO [127.0.0.1]"));
        assertEquals(new SmtpCommand.Data(), parse("DATA"));
        assertEquals(new SmtpCommand.Rset(), parse("rset"));
        assertEquals(new SmtpCommand.Quit(), parse("QUIT"));
        assertEquals(new SmtpCommand.Noop(), parse("NOOP anything goes"));
        assertEquals(new SmtpCommand.Vrfy("alice"), parse("VRFY alice"));
        assertEquals(new SmtpCommand.Help(""), parse("HELP"));
        assertEquals(new SmtpCommand.Help("MAIL"), parse("HELP MAIL"));
        assertEquals(new SmtpCommand.StartTls(), parse("STARTTLS"));
    }

    @Test
    void mailShouldCarryTheSenderSizeAndBody() {
        assertEquals(new SmtpCommand.Mail(new Mailbox("a", "example.net"), OptionalLong.of(1234), BodyType.EIGHT_BIT_MIME),
                parse("MAIL FROM:<a@Example.NET> SIZE=1234 BODY=8BITMIME"));
        assertEquals(new SmtpCommand.Mail(new Paths.NullSender(), OptionalLong.empty(), BodyType.SEVEN_BIT),
                parse("mail from:<> body=7bit"));
        assertEquals(new SmtpCommand.Mail(new Mailbox("a", "b.example"), OptionalLong.empty(), BodyType.UNSPECIFIED),
                parse("MAIL FROM: <a@b.example> AUTH=<>"));
        assertEquals(new SmtpCommand.Mail(new Mailbox("a", "b.example"), OptionalLong.empty(), BodyType.UNSPECIFIED),
                parse("MAIL FROM:a@b.example"));
    }

    @Test
    void quotedLocalPartsShouldBeUnquotedAndRequotedWhenNeeded() {
        SmtpCommand.Rcpt r = assertInstanceOf(SmtpCommand.Rcpt.class, parse("RCPT TO:<\"john doe\\\"x\"@example.test>"));
        Mailbox m = (Mailbox) r.recipient();
        assertEquals("john doe\"x", m.localPart());
        assertEquals("\"john doe\\\"x\"@example.test", m.address());
        Mailbox plain = (Mailbox) ((SmtpCommand.Rcpt) parse("RCPT TO:<\"alice\"@example.test>")).recipient();
        assertEquals("alice@example.test", plain.address());
        Mailbox gt = (Mailbox) ((SmtpCommand.Rcpt) parse("RCPT TO:<\"a>b\"@example.test>")).recipient();
        assertEquals("a>b", gt.localPart());
    }

    @Test
    void sourceRoutesShouldBeIgnoredLeavingTheFinalMailbox() {
        assertEquals(new SmtpCommand.Rcpt(new Mailbox("user", "remote.example")),
                parse("RCPT TO:<@example.test,@relay.example:user@remote.example>"));
    }

    @Test
    void postmasterWithoutDomainShouldBeAccepted() {
        assertEquals(new SmtpCommand.Rcpt(new Paths.Postmaster()), parse("RCPT TO:<Postmaster>"));
    }

    @Test
    void percentHackShouldStayALocalPart() {
        Mailbox m = (Mailbox) ((SmtpCommand.Rcpt) parse("RCPT TO:<user%remote.example@example.test>")).recipient();
        assertEquals("user%remote.example", m.localPart());
        assertEquals("example.test", m.domain());
    }

    @ParameterizedTest(name = "{0} -> {1} {2}")
    @CsvSource(delimiter = '|', value = {
            "EHLO|501|5.5.4",
            "HELO   |501|5.5.4",
            "MAIL|501|5.5.4",
            "MAIL TO:<a@b>|501|5.5.4",
            "MAIL FROM:<a@b> SIZE=abc|501|5.5.4",
            "MAIL FROM:<a@b> SIZE=1 SIZE=2|501|5.5.4",
            "MAIL FROM:<a@b> BODY=BINARYMIME|501|5.5.4",
            "MAIL FROM:<a@b> SMTPUTF8|555|5.5.4",
            "MAIL FROM:<a@b|501|5.1.7",
            "MAIL FROM:<a@@b>|501|5.1.7",
            "MAIL FROM:<a@b..c>|501|5.1.7",
            "MAIL FROM:<.a@b>|501|5.1.7",
            "MAIL FROM:<a@-b.c>|501|5.1.7",
            "MAIL FROM:<jörg@b.c>|501|5.1.7",
            "RCPT TO:<>|501|5.1.3",
            "RCPT TO:<a>|501|5.1.3",
            "RCPT TO:<a@b> NOTIFY=NEVER|555|5.5.4",
            "RCPT FROM:<a@b>|501|5.5.4",
            "DATA now|501|5.5.4",
            "QUIT please|501|5.5.4",
            "RSET x|501|5.5.4",
            "VRFY|501|5.5.4",
            "AUTH|501|5.5.4",
            "AUTH PLAIN a b|501|5.5.4",
    })
    void malformedArgumentsShouldGiveTheRightErrorReply(String line, int code, String enhanced) {
        SmtpCommand.Invalid invalid = assertInstanceOf(SmtpCommand.Invalid.class, parse(line));
        assertEquals(code, invalid.reply().code(), invalid.reply().render());
        assertEquals(enhanced, invalid.reply().enhanced());
    }

    @Test
    void controlCharactersInAnAddressShouldBeRefused() {
        assertInstanceOf(SmtpCommand.Invalid.class, parse("MAIL FROM:<a\u0000b@c.d>"));
    }

    @Test
    void unknownAndUnimplementedVerbsShouldBeTold() {
        assertEquals(new SmtpCommand.Unknown("FOO"), parse("foo bar"));
        assertEquals(new SmtpCommand.Unknown(""), parse(""));
        assertEquals(new SmtpCommand.Unknown("\u0000\u0001"), parse("\u0000\u0001"));
        assertEquals(new SmtpCommand.NotImplemented("EXPN"), parse("EXPN staff"));
    }

    @Test
    void authShouldCarryMechanismAndOptionalInitialResponse() {
        assertEquals(new SmtpCommand.Auth("PLAIN", Optional.empty()), parse("auth plain"));
        assertEquals(new SmtpCommand.Auth("PLAIN", Optional.of("AGFsaWNlAHB3")), parse("AUTH PLAIN AGFsaWNlAHB3"));
        assertEquals(new SmtpCommand.Auth("LOGIN", Optional.of("=")), parse("AUTH LOGIN ="));
    }

    @Test
    void repliesShouldRenderMultiLineWithEnhancedCodesOnEveryLine() {
        SmtpReply help = SmtpReply.help(java.util.List.of("EHLO", "QUIT"));
        assertEquals("214-2.0.0 Commands supported:\r\n214-2.0.0 EHLO QUIT\r\n214 2.0.0 See RFC 5321\r\n", help.render());
        assertEquals("250-h Hello c\r\n250 PIPELINING\r\n",
                SmtpReply.ehlo("h", "c", java.util.List.of("PIPELINING")).render());
        assertEquals("334 \r\n", SmtpReply.authChallenge("").render());
    }

    @Test
    void serverTooBusyShouldBeTheContractLine() {
        assertEquals("421 4.3.2 mail.example.test Server Too Busy\r\n",
                SmtpReply.serverTooBusy("mail.example.test").render());
        assertEquals("421 4.3.2 mail.example.test Service shutting down\r\n",
                SmtpReply.shuttingDown("mail.example.test").render());
        assertEquals("421 4.4.2 mail.example.test Timeout\r\n", SmtpReply.timeout("mail.example.test").render());
    }
}
