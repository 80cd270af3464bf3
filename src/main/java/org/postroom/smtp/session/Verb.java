package org.postroom.smtp.session;

import org.postroom.smtp.codec.SmtpCommand;

import java.util.Locale;

/**
 * The verb table, Postfix-style: for each verb whether it is allowed before HELO/EHLO, whether it is
 * allowed before AUTH on a submission listener, and whether it ends a PIPELINING command group
 * (RFC 2920 section 3.1: the server flushes its replies after such a command even when more
 * commands are already buffered). Commands without a verb of their own ({@code Unknown}, {@code
 * Invalid}, {@code NotImplemented}) use {@link #OTHER}.
 */
public enum Verb {
    //        before greeting, before auth, ends group
    EHLO(true, true, true),
    HELO(true, true, true),
    MAIL(false, false, false),
    RCPT(false, false, false),
    DATA(false, false, true),
    RSET(true, true, false),
    NOOP(true, true, true),
    QUIT(true, true, true),
    VRFY(true, true, true),
    HELP(true, true, true),
    AUTH(false, true, true),
    STARTTLS(false, true, true),
    OTHER(true, true, true);

    public final boolean allowedBeforeGreeting;
    public final boolean allowedBeforeAuth;
    public final boolean endsPipelineGroup;

    Verb(boolean allowedBeforeGreeting, boolean allowedBeforeAuth, boolean endsPipelineGroup) {
        this.allowedBeforeGreeting = allowedBeforeGreeting;
        this.allowedBeforeAuth = allowedBeforeAuth;
        this.endsPipelineGroup = endsPipelineGroup;
    }

    public static Verb of(SmtpCommand command) {
        if (command instanceof SmtpCommand.Unknown || command instanceof SmtpCommand.Invalid
                || command instanceof SmtpCommand.NotImplemented) {
            return OTHER;
        }
        return valueOf(command.verb().toUpperCase(Locale.ROOT));
    }
}
