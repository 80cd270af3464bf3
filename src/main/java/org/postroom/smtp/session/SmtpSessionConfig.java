package org.postroom.smtp.session;

import org.postroom.auth.Accounts;
import org.postroom.config.Settings;

import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;

/**
 * What one SMTP session needs to know, read once per listener from {@link Settings} and
 * {@link Accounts}: which listener, the host name, the limits ({@code inbound.max-message-size},
 * {@code max-recipients}, {@code max-bad-commands}, {@code max-line-length}, {@code idle-timeout}),
 * the local domains and which local accounts exist, whether STARTTLS may be offered (only when
 * the listener also has a certificate; false from {@link #from}: STARTTLS belongs to the security issue),
 * and which envelope senders an authenticated submission user may use ({@link SenderLoginPolicy}).
 */
public record SmtpSessionConfig(
        SmtpListener listener,
        String hostname,
        long maxMessageSize,
        int maxRecipients,
        int maxBadCommands,
        int maxLineLength,
        Duration idleTimeout,
        List<String> localDomains,
        Predicate<String> accountExists,
        boolean startTls,
        boolean requireTlsForAuth,
        Duration greetingDelay,
        SenderLoginPolicy senderLogin) {

    /** Without the security policy: AUTH allowed in plaintext, no greeting delay, any sender after AUTH. */
    public SmtpSessionConfig(SmtpListener listener, String hostname, long maxMessageSize, int maxRecipients,
                             int maxBadCommands, int maxLineLength, Duration idleTimeout, List<String> localDomains,
                             Predicate<String> accountExists, boolean startTls) {
        this(listener, hostname, maxMessageSize, maxRecipients, maxBadCommands, maxLineLength, idleTimeout,
                localDomains, accountExists, startTls, false, Duration.ZERO, SenderLoginPolicy.off());
    }

    /**
     * SMTP command lines (and AUTH lines) are at most this long with their CRLF, whatever
     * {@code inbound.max-line-length} allows (a smaller value there lowers it): issue 2 and RFC 5321's
     * text-line limit say a line over 1000 octets gets 500.
     */
    public static final int MAX_COMMAND_LINE = 1000;

    public static SmtpSessionConfig from(Settings settings, Accounts accounts, SmtpListener listener) {
        Settings.InboundSettings in = settings.inbound();
        return new SmtpSessionConfig(listener, settings.hostname(), in.maxMessageSize(), in.maxRecipients(),
                in.maxBadCommands(), Math.min(in.maxLineLength(), MAX_COMMAND_LINE), in.idleTimeout(), settings.localDomains(),
                accounts::exists, false,
                listener.submission() && in.security().msaRequireTlsForAuth(),
                listener == SmtpListener.SMTP ? in.security().smtpGreetingDelay() : Duration.ZERO,
                listener.submission() && in.security().msaSenderMustMatchLogin()
                        ? SenderLoginPolicy.ownedAddressesOnly(accounts::owns) : SenderLoginPolicy.off());
    }

    /** The same, with STARTTLS offered when the listener has a certificate (off by default until the security issue). */
    public SmtpSessionConfig withStartTls(boolean on) {
        return new SmtpSessionConfig(listener, hostname, maxMessageSize, maxRecipients, maxBadCommands, maxLineLength,
                idleTimeout, localDomains, accountExists, on, requireTlsForAuth, greetingDelay, senderLogin);
    }

    /** The same with AUTH refused before STARTTLS ({@code inbound.msa.require-tls-for-auth}). */
    public SmtpSessionConfig withRequireTlsForAuth(boolean on) {
        return new SmtpSessionConfig(listener, hostname, maxMessageSize, maxRecipients, maxBadCommands, maxLineLength,
                idleTimeout, localDomains, accountExists, startTls, on, greetingDelay, senderLogin);
    }

    /** The same with a pause before the greeting, during which a talking client is dropped. */
    public SmtpSessionConfig withGreetingDelay(Duration delay) {
        return new SmtpSessionConfig(listener, hostname, maxMessageSize, maxRecipients, maxBadCommands, maxLineLength,
                idleTimeout, localDomains, accountExists, startTls, requireTlsForAuth, delay, senderLogin);
    }

    /** The same with another sender check after AUTH ({@code inbound.msa.sender-must-match-login}). */
    public SmtpSessionConfig withSenderLogin(SenderLoginPolicy policy) {
        return new SmtpSessionConfig(listener, hostname, maxMessageSize, maxRecipients, maxBadCommands, maxLineLength,
                idleTimeout, localDomains, accountExists, startTls, requireTlsForAuth, greetingDelay, policy);
    }

    public boolean isLocalDomain(String domain) {
        return localDomains.contains(domain);
    }
}
