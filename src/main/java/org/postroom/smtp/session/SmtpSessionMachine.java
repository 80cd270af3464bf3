package org.postroom.smtp.session;

import org.postroom.smtp.codec.DataReceiver;
import org.postroom.smtp.codec.Paths;
import org.postroom.smtp.codec.Paths.Mailbox;
import org.postroom.smtp.codec.SmtpCommand;
import org.postroom.smtp.codec.SmtpCommand.BodyType;
import org.postroom.smtp.codec.SmtpReply;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The SMTP server dialogue of one connection (RFC 5321, with PIPELINING, SIZE, 8BITMIME,
 * ENHANCEDSTATUSCODES, and AUTH PLAIN/LOGIN on the submission listener), as plain Java: each event
 * (a command, an AUTH line, the end of DATA, the result of awaited work) changes the state and returns
 * the {@link SmtpAction}s to perform. No I/O, no clock, no threads; tested by dialogues.
 *
 * <p>State is kept in two parts: the connection ({@link Connection}: greeting, authenticated user,
 * bad-command count) and the {@link Phase}, which carries the mail transaction when there is one
 * (RSET, HELO/EHLO, the end of DATA clear it). {@link #mode()} tells the driver how to frame the next
 * input: command lines, AUTH response lines, DATA content, or nothing while work is awaited.
 *
 * <p>Limits: {@code max-recipients} (452 4.5.3), {@code max-message-size} (SIZE= and DATA: 552 5.3.4),
 * {@code max-bad-commands} (unknown, malformed, out-of-sequence, over-long commands and failed AUTH;
 * one more ends the session with 421 4.7.0). An idle timeout or shutdown that arrives while a message
 * is being made durable waits for it, so the client still learns its message was taken.
 * STARTTLS (RFC 3207) is offered only when the config allows it ({@code SmtpSessionConfig.startTls})
 * and the listener has a certificate; otherwise it gets 502. With {@code requireTlsForAuth} (MSA,
 * {@code inbound.msa.require-tls-for-auth}) AUTH is neither advertised nor accepted before STARTTLS
 * (538 5.7.11; MAIL gets 530 5.7.0 Must issue a STARTTLS command first). A client that talks before
 * the greeting gets 554 5.5.0 ({@link #onEarlyTalker}). On the submission listener, MAIL after AUTH
 * must name a sender the user owns when {@link SenderLoginPolicy} says so
 * ({@code inbound.msa.sender-must-match-login}): another gets 553 5.7.1, not counted as a bad command,
 * and the session goes on.
 */
public final class SmtpSessionMachine {

    /** How the driver frames the next input. */
    public enum Mode { COMMAND, AUTH_LINE, DATA, AWAITING, CLOSED }

    /** Connection state: survives RSET and transactions (not STARTTLS, RFC 3207 section 4.2). */
    public record Connection(Optional<String> heloName, boolean esmtp, Optional<String> user, int badCommands,
                             boolean tls) {
        Connection greeted(String name, boolean extended) {
            return new Connection(Optional.of(name), extended, user, badCommands, tls);
        }

        Connection authenticated(String address) {
            return new Connection(heloName, esmtp, Optional.of(address), badCommands, tls);
        }

        Connection oneMoreBad() {
            return new Connection(heloName, esmtp, user, badCommands + 1, tls);
        }

        /** After STARTTLS: everything learnt from the client in plaintext is forgotten. */
        Connection startedTls() {
            return new Connection(Optional.empty(), false, Optional.empty(), badCommands, true);
        }
    }

    /** A recipient accepted by RCPT: a local account or a remote address. */
    public record Recipient(String address, boolean local) {}

    /** The mail transaction between MAIL and the end of DATA. */
    public record Transaction(Paths.ReversePath sender, BodyType body, OptionalLong declaredSize,
                              List<Recipient> recipients) {
        Transaction with(Recipient r) {
            List<Recipient> more = new ArrayList<>(recipients);
            more.add(r);
            return new Transaction(sender, body, declaredSize, List.copyOf(more));
        }
    }

    /** Where the dialogue is. */
    public sealed interface Phase {}

    /** Between transactions. */
    public record Idle() implements Phase {}

    /** After MAIL (and any RCPTs). */
    public record InMail(Transaction transaction) implements Phase {}

    /** After 354: message content is being received. */
    public record ReceivingData(Transaction transaction) implements Phase {}

    /** The message is being made durable (Accept action outstanding). */
    public record Accepting(Transaction transaction) implements Phase {}

    /** AUTH PLAIN sent without initial response: waiting for it. */
    public record AuthPlainResponse() implements Phase {}

    /** AUTH LOGIN: waiting for the user name. */
    public record AuthLoginUser() implements Phase {}

    /** AUTH LOGIN: waiting for the password. */
    public record AuthLoginPassword(String login) implements Phase {}

    /** Credentials are being checked (Authenticate action outstanding). */
    public record AuthChecking(String authorizationId, String login) implements Phase {}

    /** Closed; no more input is read. */
    public record Closed() implements Phase {}

    private static final String USERNAME_CHALLENGE = b64("Username:");
    private static final String PASSWORD_CHALLENGE = b64("Password:");

    private final SmtpSessionConfig config;
    private final String peerIp;
    private Connection connection = new Connection(Optional.empty(), false, Optional.empty(), 0, false);
    /** STARTTLS offered: configured and the listener has a certificate. */
    private boolean tlsOffered;
    private Phase phase = new Idle();
    /** A 421 to send once awaited work is done (timeout or shutdown during acceptance). */
    private Optional<SmtpReply> closeAfterAwait = Optional.empty();

    public SmtpSessionMachine(SmtpSessionConfig config, String peerIp) {
        this.config = config;
        this.peerIp = peerIp;
    }

    public Connection connection() {
        return connection;
    }

    public Phase phase() {
        return phase;
    }

    public Mode mode() {
        if (phase instanceof Closed) {
            return Mode.CLOSED;
        }
        if (phase instanceof ReceivingData) {
            return Mode.DATA;
        }
        if (phase instanceof Accepting || phase instanceof AuthChecking) {
            return Mode.AWAITING;
        }
        if (phase instanceof AuthPlainResponse || phase instanceof AuthLoginUser
                || phase instanceof AuthLoginPassword) {
            return Mode.AUTH_LINE;
        }
        return Mode.COMMAND;
    }

    /** The size SIZE= announced for the current DATA, or 0: a hint for the receive buffer. */
    public long declaredSize() {
        return phase instanceof ReceivingData r ? r.transaction().declaredSize().orElse(0) : 0;
    }

    // --- Events -----------------------------------------------------------------------------

    /** The connection is open; {@code tlsAvailable}: the listener has a certificate. */
    public List<SmtpAction> start(boolean tlsAvailable) {
        return start(tlsAvailable, false);
    }

    /**
     * The connection is open; {@code tlsActive}: it is an implicit-TLS connection (smtps), so STARTTLS
     * is not offered and AUTH needs no further encryption.
     */
    public List<SmtpAction> start(boolean tlsAvailable, boolean tlsActive) {
        tlsOffered = config.startTls() && tlsAvailable;
        if (tlsActive) {
            connection = new Connection(Optional.empty(), false, Optional.empty(), 0, true);
        }
        return List.of(reply(SmtpReply.greeting(config.hostname())), new SmtpAction.Flush());
    }

    /** The client sent bytes before the greeting was written (early talker): refuse and close. */
    public List<SmtpAction> onEarlyTalker() {
        phase = new Closed();
        return List.of(reply(SmtpReply.earlyTalker(config.hostname())), new SmtpAction.Close());
    }

    /** AUTH must wait for STARTTLS on this connection ({@code inbound.msa.require-tls-for-auth}). */
    private boolean authNeedsTls() {
        return config.requireTlsForAuth() && !connection.tls();
    }

    public List<SmtpAction> start() {
        return start(false);
    }

    public List<SmtpAction> onLineTooLong() {
        if (mode() == Mode.AUTH_LINE) {
            phase = new Idle();
        }
        return bad(SmtpReply.lineTooLong());
    }

    public List<SmtpAction> onCommand(SmtpCommand command) {
        if (mode() != Mode.COMMAND) {
            throw new IllegalStateException("command in mode " + mode());
        }
        Verb verb = Verb.of(command);
        List<SmtpAction> actions = dispatch(command, verb);
        if (verb.endsPipelineGroup && !(phase instanceof Closed)) {
            actions = new ArrayList<>(actions);
            actions.add(new SmtpAction.Flush());
        }
        return actions;
    }

    private List<SmtpAction> dispatch(SmtpCommand command, Verb verb) {
        if (command instanceof SmtpCommand.Unknown) {
            return bad(SmtpReply.unknownCommand());
        }
        if (command instanceof SmtpCommand.NotImplemented) {
            return bad(SmtpReply.notImplemented());
        }
        if (command instanceof SmtpCommand.Invalid invalid) {
            return bad(invalid.reply());
        }
        if (!verb.allowedBeforeGreeting && connection.heloName().isEmpty()) {
            return bad(SmtpReply.badSequence("send HELO/EHLO first"));
        }
        if (config.listener().submission() && !verb.allowedBeforeAuth && connection.user().isEmpty()) {
            return bad(authNeedsTls() ? SmtpReply.startTlsFirst() : SmtpReply.authRequired());
        }
        if (command instanceof SmtpCommand.Ehlo ehlo) {
            return onEhlo(ehlo);
        }
        if (command instanceof SmtpCommand.Helo helo) {
            connection = connection.greeted(helo.domain(), false);
            phase = new Idle();
            return one(SmtpReply.helo(config.hostname()));
        }
        if (command instanceof SmtpCommand.Mail mail) {
            return onMail(mail);
        }
        if (command instanceof SmtpCommand.Rcpt rcpt) {
            return onRcpt(rcpt);
        }
        if (command instanceof SmtpCommand.Data) {
            return onData();
        }
        if (command instanceof SmtpCommand.Rset) {
            phase = new Idle();
            return one(SmtpReply.ok());
        }
        if (command instanceof SmtpCommand.Noop) {
            return one(SmtpReply.ok());
        }
        if (command instanceof SmtpCommand.Quit) {
            phase = new Closed();
            return List.of(reply(SmtpReply.bye(config.hostname())), new SmtpAction.Close());
        }
        if (command instanceof SmtpCommand.Vrfy) {
            return one(SmtpReply.cannotVrfy());
        }
        if (command instanceof SmtpCommand.Help) {
            List<String> verbs = new ArrayList<>(List.of("EHLO", "HELO", "MAIL", "RCPT", "DATA", "RSET", "NOOP",
                    "QUIT", "VRFY", "HELP"));
            if (config.listener().submission()) {
                verbs.add("AUTH");
            }
            return one(SmtpReply.help(verbs));
        }
        if (command instanceof SmtpCommand.Auth auth) {
            return onAuth(auth);
        }
        if (command instanceof SmtpCommand.StartTls) {
            return onStartTls();
        }
        throw new IllegalStateException("unhandled " + command);
    }

    private List<SmtpAction> onEhlo(SmtpCommand.Ehlo ehlo) {
        connection = connection.greeted(ehlo.domain(), true);
        phase = new Idle();
        List<String> extensions = new ArrayList<>();
        extensions.add("PIPELINING");
        extensions.add("SIZE " + config.maxMessageSize());
        extensions.add("8BITMIME");
        extensions.add("ENHANCEDSTATUSCODES");
        if (tlsOffered && !connection.tls()) {
            extensions.add("STARTTLS");
        }
        if (config.listener().submission() && connection.user().isEmpty() && !authNeedsTls()) {
            extensions.add("AUTH PLAIN LOGIN");
        }
        return one(SmtpReply.ehlo(config.hostname(), ehlo.domain(), extensions));
    }

    private List<SmtpAction> onMail(SmtpCommand.Mail mail) {
        if (!(phase instanceof Idle)) {
            return bad(SmtpReply.badSequence("nested MAIL command"));
        }
        if (mail.size().isPresent() && mail.size().getAsLong() > config.maxMessageSize()) {
            return one(SmtpReply.messageTooBig());
        }
        if (config.listener().submission() && connection.user().isPresent()
                && !config.senderLogin().allows(connection.user().get(), mail.sender())) {
            return one(SmtpReply.senderNotOwned(mail.sender().address(), connection.user().get()));
        }
        phase = new InMail(new Transaction(mail.sender(), mail.body(), mail.size(), List.of()));
        return one(SmtpReply.senderOk());
    }

    private List<SmtpAction> onRcpt(SmtpCommand.Rcpt rcpt) {
        if (!(phase instanceof InMail in)) {
            return bad(SmtpReply.badSequence("need MAIL command"));
        }
        Transaction t = in.transaction();
        Mailbox box;
        if (rcpt.recipient() instanceof Mailbox m) {
            box = m;
        } else {
            // <Postmaster> without a domain: the postmaster of our first local domain.
            if (config.localDomains().isEmpty()) {
                return one(SmtpReply.noSuchUser("postmaster"));
            }
            box = new Mailbox("postmaster", config.localDomains().get(0));
        }
        if (t.recipients().size() >= config.maxRecipients()) {
            return one(SmtpReply.tooManyRecipients());
        }
        Recipient recipient;
        if (config.isLocalDomain(box.domain())) {
            String address = box.address().toLowerCase(Locale.ROOT);
            if (!config.accountExists().test(address)) {
                return one(SmtpReply.noSuchUser(box.address()));
            }
            recipient = new Recipient(address, true);
        } else if (config.listener().submission() && connection.user().isPresent()) {
            recipient = new Recipient(box.address(), false);
        } else {
            return one(SmtpReply.relayDenied(box.address()));
        }
        if (!t.recipients().contains(recipient)) {
            phase = new InMail(t.with(recipient));
        }
        return one(SmtpReply.recipientOk());
    }

    private List<SmtpAction> onData() {
        if (!(phase instanceof InMail in)) {
            return bad(SmtpReply.badSequence("need MAIL command"));
        }
        if (in.transaction().recipients().isEmpty()) {
            return bad(SmtpReply.badSequence("need RCPT command"));
        }
        phase = new ReceivingData(in.transaction());
        return one(SmtpReply.startData());
    }

    /** The DATA content has been framed: accept it, or refuse it when it was too big. */
    public List<SmtpAction> onDataReceived(DataReceiver.Result result) {
        if (!(phase instanceof ReceivingData data)) {
            throw new IllegalStateException("DATA ended in phase " + phase);
        }
        if (result instanceof DataReceiver.TooBig) {
            phase = new Idle();
            return List.of(reply(SmtpReply.messageTooBig()), new SmtpAction.Flush());
        }
        if (!(result instanceof DataReceiver.Complete complete)) {
            throw new IllegalStateException("DATA not complete: " + result);
        }
        Transaction t = data.transaction();
        List<String> local = new ArrayList<>();
        List<String> remote = new ArrayList<>();
        for (Recipient r : t.recipients()) {
            (r.local() ? local : remote).add(r.address());
        }
        // RFC 3848 protocol types: ESMTP, ESMTPA (AUTH), ESMTPS (TLS), ESMTPSA (both).
        String protocol = !connection.esmtp() ? "SMTP"
                : "ESMTP" + (connection.tls() ? "S" : "") + (connection.user().isPresent() ? "A" : "");
        Envelope envelope = new Envelope(t.sender().address(), local, remote,
                connection.heloName().orElse("unknown"), peerIp, protocol, connection.user());
        phase = new Accepting(t);
        return List.of(new SmtpAction.Accept(envelope, complete.message()));
    }

    public List<SmtpAction> onAccepted(String id) {
        requireAccepting();
        phase = new Idle();
        return afterAwait(SmtpReply.queued(id));
    }

    public List<SmtpAction> onAcceptFailed() {
        requireAccepting();
        phase = new Idle();
        return afterAwait(SmtpReply.localError());
    }

    private void requireAccepting() {
        if (!(phase instanceof Accepting)) {
            throw new IllegalStateException("no acceptance in progress: " + phase);
        }
    }

    private List<SmtpAction> onStartTls() {
        if (!tlsOffered) {
            return bad(SmtpReply.notImplemented());
        }
        if (connection.tls()) {
            return bad(SmtpReply.badSequence("TLS already active"));
        }
        // RFC 3207 4.2: the client starts over with EHLO; any transaction and AUTH are dropped.
        connection = connection.startedTls();
        phase = new Idle();
        return List.of(reply(SmtpReply.readyToStartTls()), new SmtpAction.StartTls());
    }

    // --- AUTH -------------------------------------------------------------------------------

    private List<SmtpAction> onAuth(SmtpCommand.Auth auth) {
        if (!config.listener().submission()) {
            return bad(SmtpReply.badSequence("authentication not enabled"));
        }
        if (connection.user().isPresent()) {
            return bad(SmtpReply.badSequence("already authenticated"));
        }
        if (authNeedsTls()) {
            return bad(SmtpReply.encryptionRequired());
        }
        if (!(phase instanceof Idle)) {
            return bad(SmtpReply.badSequence("MAIL transaction in progress"));
        }
        switch (auth.mechanism()) {
            case "PLAIN":
                if (auth.initialResponse().isPresent()) {
                    return plainResponse(auth.initialResponse().get());
                }
                phase = new AuthPlainResponse();
                return challenge("");
            case "LOGIN":
                if (auth.initialResponse().isPresent()) {
                    return loginUser(auth.initialResponse().get());
                }
                phase = new AuthLoginUser();
                return challenge(USERNAME_CHALLENGE);
            default:
                return bad(SmtpReply.authMechanismUnknown());
        }
    }

    /** One line answering a 334 challenge. */
    public List<SmtpAction> onAuthLine(String line) {
        Phase p = phase;
        if (mode() != Mode.AUTH_LINE) {
            throw new IllegalStateException("AUTH line in phase " + p);
        }
        phase = new Idle();
        if (line.equals("*")) {
            return List.of(reply(SmtpReply.authCancelled()), new SmtpAction.Flush());
        }
        if (p instanceof AuthPlainResponse) {
            return plainResponse(line);
        }
        if (p instanceof AuthLoginUser) {
            return loginUser(line);
        }
        Optional<String> password = decode(line);
        if (password.isEmpty()) {
            return bad(SmtpReply.authBadBase64());
        }
        String login = ((AuthLoginPassword) p).login();
        phase = new AuthChecking("", login);
        return List.of(new SmtpAction.Authenticate(login, password.get()));
    }

    private List<SmtpAction> plainResponse(String base64) {
        Optional<String> decoded = decode(base64);
        if (decoded.isEmpty()) {
            return bad(SmtpReply.authBadBase64());
        }
        // authzid NUL authcid NUL passwd (RFC 4616)
        String[] parts = decoded.get().split("\u0000", -1);
        if (parts.length != 3 || parts[1].isEmpty()) {
            return bad(SmtpReply.authFailed());
        }
        phase = new AuthChecking(parts[0], parts[1]);
        return List.of(new SmtpAction.Authenticate(parts[1], parts[2]));
    }

    private List<SmtpAction> loginUser(String base64) {
        Optional<String> user = decode(base64);
        if (user.isEmpty()) {
            return bad(SmtpReply.authBadBase64());
        }
        phase = new AuthLoginPassword(user.get());
        return challenge(PASSWORD_CHALLENGE);
    }

    /** The credentials check finished: the account's address, or empty when they were wrong. */
    public List<SmtpAction> onAuthResult(Optional<String> address) {
        if (!(phase instanceof AuthChecking checking)) {
            throw new IllegalStateException("no AUTH in progress: " + phase);
        }
        phase = new Idle();
        String authz = checking.authorizationId();
        // An authorization identity other than the user itself is not granted (RFC 4616 section 2).
        if (address.isPresent() && (authz.isEmpty() || authz.equalsIgnoreCase(address.get())
                || authz.equalsIgnoreCase(checking.login()))) {
            connection = connection.authenticated(address.get());
            return afterAwait(SmtpReply.authOk());
        }
        List<SmtpAction> actions = new ArrayList<>(bad(SmtpReply.authFailed()));
        if (!(phase instanceof Closed)) {
            actions.addAll(afterAwait(null));
        }
        return actions;
    }

    /**
     * The credentials were not checked: the client's address or the account is locked out after too
     * many failures ({@link org.postroom.auth.AuthThrottle}). Temporary, so not a bad command.
     */
    public List<SmtpAction> onAuthThrottled() {
        if (!(phase instanceof AuthChecking)) {
            throw new IllegalStateException("no AUTH in progress: " + phase);
        }
        phase = new Idle();
        return afterAwait(SmtpReply.authThrottled());
    }

    // --- Timeout and shutdown -----------------------------------------------------------------

    public List<SmtpAction> onIdleTimeout() {
        return closeWith(SmtpReply.timeout(config.hostname()));
    }

    public List<SmtpAction> onShutdown() {
        return closeWith(SmtpReply.shuttingDown(config.hostname()));
    }

    private List<SmtpAction> closeWith(SmtpReply reply) {
        if (phase instanceof Closed) {
            return List.of();
        }
        if (mode() == Mode.AWAITING) {
            closeAfterAwait = Optional.of(reply);
            return List.of();
        }
        phase = new Closed();
        return List.of(reply(reply), new SmtpAction.Close());
    }

    /** The reply to awaited work, then a deferred 421 and close if one is pending. */
    private List<SmtpAction> afterAwait(SmtpReply result) {
        List<SmtpAction> actions = new ArrayList<>();
        if (result != null) {
            actions.add(reply(result));
        }
        if (closeAfterAwait.isPresent()) {
            actions.add(reply(closeAfterAwait.get()));
            actions.add(new SmtpAction.Close());
            phase = new Closed();
            closeAfterAwait = Optional.empty();
        } else {
            actions.add(new SmtpAction.Flush());
        }
        return actions;
    }

    // --- Helpers ------------------------------------------------------------------------------

    private List<SmtpAction> challenge(String base64) {
        return List.of(reply(SmtpReply.authChallenge(base64)), new SmtpAction.Flush());
    }

    /** An error that counts against max-bad-commands; one too many ends the session. */
    private List<SmtpAction> bad(SmtpReply reply) {
        connection = connection.oneMoreBad();
        if (connection.badCommands() > config.maxBadCommands()) {
            phase = new Closed();
            return List.of(reply(SmtpReply.tooManyBadCommands(config.hostname())), new SmtpAction.Close());
        }
        return one(reply);
    }

    private static List<SmtpAction> one(SmtpReply reply) {
        return List.of(reply(reply));
    }

    private static SmtpAction reply(SmtpReply reply) {
        return new SmtpAction.Reply(reply);
    }

    private static Optional<String> decode(String base64) {
        if (base64.equals("=")) {
            return Optional.of("");
        }
        try {
            return Optional.of(new String(Base64.getDecoder().decode(base64.trim()), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.US_ASCII));
    }
}
