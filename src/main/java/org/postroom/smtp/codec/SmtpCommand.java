package org.postroom.smtp.codec;

import org.postroom.smtp.codec.Paths.ForwardPath;
import org.postroom.smtp.codec.Paths.ReversePath;

import java.util.Optional;
import java.util.OptionalLong;

/**
 * One SMTP command line, parsed ({@link SmtpCommandParser}). Each record carries only what its verb
 * takes; a line that names a known verb with bad arguments is {@link Invalid} with the reply to give,
 * a line with no known verb is {@link Unknown}.
 */
public sealed interface SmtpCommand {

    /** The verb as it is named in replies and the verb table. */
    String verb();

    record Ehlo(String domain) implements SmtpCommand {
        public String verb() {
            return "EHLO";
        }
    }

    record Helo(String domain) implements SmtpCommand {
        public String verb() {
            return "HELO";
        }
    }

    /** {@code MAIL FROM:<path> [SIZE=n] [BODY=7BIT|8BITMIME] [AUTH=...]}; AUTH= is accepted and ignored. */
    record Mail(ReversePath sender, OptionalLong size, BodyType body) implements SmtpCommand {
        public String verb() {
            return "MAIL";
        }
    }

    record Rcpt(ForwardPath recipient) implements SmtpCommand {
        public String verb() {
            return "RCPT";
        }
    }

    record Data() implements SmtpCommand {
        public String verb() {
            return "DATA";
        }
    }

    record Rset() implements SmtpCommand {
        public String verb() {
            return "RSET";
        }
    }

    record Noop() implements SmtpCommand {
        public String verb() {
            return "NOOP";
        }
    }

    record Quit() implements SmtpCommand {
        public String verb() {
            return "QUIT";
        }
    }

    record Vrfy(String argument) implements SmtpCommand {
        public String verb() {
            return "VRFY";
        }
    }

    /** {@code topic} is "" when none was given. */
    record Help(String topic) implements SmtpCommand {
        public String verb() {
            return "HELP";
        }
    }

    /** {@code AUTH mechanism [initial-response]}; the mechanism upper-cased, the response as sent ("=" = empty). */
    record Auth(String mechanism, Optional<String> initialResponse) implements SmtpCommand {
        public String verb() {
            return "AUTH";
        }
    }

    record StartTls() implements SmtpCommand {
        public String verb() {
            return "STARTTLS";
        }
    }

    /** A known verb this server does not implement (EXPN, TURN, ETRN, BDAT, ...): 502. */
    record NotImplemented(String verb) implements SmtpCommand {}

    /** No known verb: 500. {@code verb} is the first word, for logs. */
    record Unknown(String verb) implements SmtpCommand {}

    /** A known verb with bad arguments, and the error reply for it. */
    record Invalid(String verb, SmtpReply reply) implements SmtpCommand {}

    /** MAIL's BODY= parameter (RFC 6152). */
    enum BodyType { UNSPECIFIED, SEVEN_BIT, EIGHT_BIT_MIME }
}
