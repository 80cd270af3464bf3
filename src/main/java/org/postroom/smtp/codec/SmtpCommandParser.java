package org.postroom.smtp.codec;

import org.postroom.smtp.codec.Paths.ForwardPath;
import org.postroom.smtp.codec.Paths.Parsed;
import org.postroom.smtp.codec.Paths.PathException;
import org.postroom.smtp.codec.Paths.ReversePath;
import org.postroom.smtp.codec.SmtpCommand.BodyType;

import java.util.HashSet;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Parses one command line (without its CRLF) into an {@link SmtpCommand}. Stateless and total: any
 * line gives a command, bad ones {@link SmtpCommand.Invalid} or {@link SmtpCommand.Unknown}. Verbs
 * are case-insensitive; {@code MAIL FROM: <a@b>} with a space after the colon is accepted, as most
 * clients and servers do.
 */
public final class SmtpCommandParser {
    // Compiled once: String.matches and a regular-expression split compile theirs on every command.
    private static final Pattern SIZE_VALUE = Pattern.compile("[0-9]{1,18}");
    private static final Pattern SPACES = Pattern.compile(" +");

    private static final Set<String> NOT_IMPLEMENTED = Set.of("EXPN", "TURN", "ETRN", "ATRN", "BDAT", "SEND",
            "SOML", "SAML");

    private SmtpCommandParser() {
    }

    public static SmtpCommand parse(String line) {
        int sp = line.indexOf(' ');
        String verb = (sp < 0 ? line : line.substring(0, sp)).toUpperCase(Locale.ROOT);
        String arg = sp < 0 ? "" : line.substring(sp + 1);
        switch (verb) {
            case "EHLO":
                return domainArg(arg).<SmtpCommand>map(SmtpCommand.Ehlo::new)
                        .orElse(new SmtpCommand.Invalid(verb, SmtpReply.syntax("EHLO hostname")));
            case "HELO":
                return domainArg(arg).<SmtpCommand>map(SmtpCommand.Helo::new)
                        .orElse(new SmtpCommand.Invalid(verb, SmtpReply.syntax("HELO hostname")));
            case "MAIL":
                return mail(arg);
            case "RCPT":
                return rcpt(arg);
            case "DATA":
                return noArg(verb, arg, new SmtpCommand.Data());
            case "RSET":
                return noArg(verb, arg, new SmtpCommand.Rset());
            case "QUIT":
                return noArg(verb, arg, new SmtpCommand.Quit());
            case "STARTTLS":
                return noArg(verb, arg, new SmtpCommand.StartTls());
            case "NOOP":
                return new SmtpCommand.Noop(); // RFC 5321 4.1.1.9: a parameter is allowed and ignored
            case "VRFY":
                return arg.isBlank() ? new SmtpCommand.Invalid(verb, SmtpReply.syntax("VRFY address"))
                        : new SmtpCommand.Vrfy(arg.trim());
            case "HELP":
                return new SmtpCommand.Help(arg.trim());
            case "AUTH":
                return auth(arg);
            default:
                if (NOT_IMPLEMENTED.contains(verb)) {
                    return new SmtpCommand.NotImplemented(verb);
                }
                return new SmtpCommand.Unknown(verb);
        }
    }

    private static Optional<String> domainArg(String arg) {
        String a = arg.trim();
        int sp = a.indexOf(' ');
        String domain = sp < 0 ? a : a.substring(0, sp);
        if (domain.isEmpty() || domain.chars().anyMatch(c -> c <= ' ' || c > 126)) {
            return Optional.empty();
        }
        return Optional.of(domain);
    }

    private static SmtpCommand noArg(String verb, String arg, SmtpCommand command) {
        return arg.isBlank() ? command : new SmtpCommand.Invalid(verb, SmtpReply.syntax(verb));
    }

    private static SmtpCommand mail(String arg) {
        if (!arg.regionMatches(true, 0, "FROM:", 0, 5)) {
            return new SmtpCommand.Invalid("MAIL", SmtpReply.syntax("MAIL FROM:<address>"));
        }
        Parsed<ReversePath> parsed;
        try {
            parsed = Paths.parseReversePath(arg.substring(5));
        } catch (PathException e) {
            return new SmtpCommand.Invalid("MAIL", SmtpReply.badSenderSyntax(e.getMessage()));
        }
        OptionalLong size = OptionalLong.empty();
        BodyType body = BodyType.UNSPECIFIED;
        Set<String> seen = new HashSet<>();
        for (String param : params(parsed.rest())) {
            int eq = param.indexOf('=');
            String key = (eq < 0 ? param : param.substring(0, eq)).toUpperCase(Locale.ROOT);
            String value = eq < 0 ? "" : param.substring(eq + 1);
            if (!seen.add(key)) {
                return new SmtpCommand.Invalid("MAIL", SmtpReply.syntax("duplicate parameter " + key));
            }
            switch (key) {
                case "SIZE":
                    if (!SIZE_VALUE.matcher(value).matches()) {
                        return new SmtpCommand.Invalid("MAIL", SmtpReply.syntax("SIZE=<octets>"));
                    }
                    size = OptionalLong.of(Long.parseLong(value));
                    break;
                case "BODY":
                    if (value.equalsIgnoreCase("8BITMIME")) {
                        body = BodyType.EIGHT_BIT_MIME;
                    } else if (value.equalsIgnoreCase("7BIT")) {
                        body = BodyType.SEVEN_BIT;
                    } else {
                        return new SmtpCommand.Invalid("MAIL", SmtpReply.syntax("BODY=7BIT or BODY=8BITMIME"));
                    }
                    break;
                case "AUTH":
                    // RFC 4954 5: an AUTH= identity from a trusted relay; we accept and ignore it.
                    if (value.isEmpty()) {
                        return new SmtpCommand.Invalid("MAIL", SmtpReply.syntax("AUTH=<identity>"));
                    }
                    break;
                default:
                    return new SmtpCommand.Invalid("MAIL", SmtpReply.badParameter(key));
            }
        }
        return new SmtpCommand.Mail(parsed.path(), size, body);
    }

    private static SmtpCommand rcpt(String arg) {
        if (!arg.regionMatches(true, 0, "TO:", 0, 3)) {
            return new SmtpCommand.Invalid("RCPT", SmtpReply.syntax("RCPT TO:<address>"));
        }
        Parsed<ForwardPath> parsed;
        try {
            parsed = Paths.parseForwardPath(arg.substring(3));
        } catch (PathException e) {
            return new SmtpCommand.Invalid("RCPT", SmtpReply.badRecipientSyntax(e.getMessage()));
        }
        for (String param : params(parsed.rest())) {
            int eq = param.indexOf('=');
            return new SmtpCommand.Invalid("RCPT", SmtpReply.badParameter(
                    (eq < 0 ? param : param.substring(0, eq)).toUpperCase(Locale.ROOT)));
        }
        return new SmtpCommand.Rcpt(parsed.path());
    }

    private static SmtpCommand auth(String arg) {
        String[] parts = SPACES.split(arg.trim());
        if (parts.length == 0 || parts[0].isEmpty() || parts.length > 2) {
            return new SmtpCommand.Invalid("AUTH", SmtpReply.syntax("AUTH mechanism [initial-response]"));
        }
        return new SmtpCommand.Auth(parts[0].toUpperCase(Locale.ROOT),
                parts.length == 2 ? Optional.of(parts[1]) : Optional.empty());
    }

    private static String[] params(String rest) {
        String r = rest.trim();
        return r.isEmpty() ? new String[0] : SPACES.split(r);
    }
}
