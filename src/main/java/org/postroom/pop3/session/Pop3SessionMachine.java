package org.postroom.pop3.session;

import org.postroom.pop3.codec.Pop3Command;
import org.postroom.pop3.codec.Pop3Reply;
import org.postroom.pop3.maildrop.Maildrop;
import org.postroom.pop3.maildrop.MaildropMessage;
import org.postroom.pop3.session.Pop3Action.Close;
import org.postroom.pop3.session.Pop3Action.Credentials;
import org.postroom.pop3.session.Pop3Action.Send;
import org.postroom.pop3.session.Pop3State.Authenticating;
import org.postroom.pop3.session.Pop3State.Authorization;
import org.postroom.pop3.session.Pop3State.Closed;
import org.postroom.pop3.session.Pop3State.Transaction;
import org.postroom.pop3.session.Pop3State.Update;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The POP3 protocol of one connection (RFC 1939 with RFC 2449 CAPA and response codes), as plain
 * Java: each input (a command, or the outcome of work the handler did) moves the {@link Pop3State} and
 * returns the {@link Pop3Action}s to perform, in order. No I/O, no clock, no threads.
 *
 * <p>AUTHORIZATION accepts USER/PASS, APOP, CAPA, STLS (RFC 2595, offered when the listener has a
 * certificate and TLS is not active yet; afterwards the session restarts in AUTHORIZATION), NOOP and
 * QUIT. A failed login is answered "-ERR [AUTH]" after a pause that doubles with each failure, and
 * the connection closes after {@link Pop3Policy#maxAuthFailures}. TRANSACTION offers STAT, LIST,
 * UIDL, RETR, TOP, DELE, RSET, NOOP, CAPA and QUIT; only QUIT there commits deletions (UPDATE). Bad
 * input gets "-ERR" with a reason and the session goes on, until {@link Pop3Policy#maxBadCommands}.
 */
public final class Pop3SessionMachine {
    static final List<String> CAPABILITIES = List.of(
            "TOP", "UIDL", "USER", "RESP-CODES", "PIPELINING", "AUTH-RESP-CODE", "EXPIRE NEVER",
            "IMPLEMENTATION Postroom");

    private final Pop3Policy policy;
    private final String hostname;
    private final String apopTimestamp;
    private Pop3State state = new Authorization(Optional.empty());
    private int badCommands;
    private int authFailures;
    private boolean tlsAvailable;
    private boolean tlsActive;

    /** @param apopTimestamp the {@code <...>} token of the greeting, unique per connection (APOP) */
    public Pop3SessionMachine(Pop3Policy policy, String hostname, String apopTimestamp) {
        this.policy = policy;
        this.hostname = hostname;
        this.apopTimestamp = apopTimestamp;
    }

    public Pop3State state() {
        return state;
    }

    public int badCommands() {
        return badCommands;
    }

    public int authFailures() {
        return authFailures;
    }

    /** Whether STLS can be offered (the listener has a certificate) and whether TLS is on already. */
    public void tls(boolean available, boolean active) {
        this.tlsAvailable = available;
        this.tlsActive = active;
    }

    /**
     * The TLS handshake after STLS finished: RFC 2595 keeps the session in AUTHORIZATION and the client
     * forgets what it knew (capabilities, a USER given before); no reply is sent.
     */
    public List<Pop3Action> onTlsStarted() {
        tlsActive = true;
        if (state instanceof Authorization) {
            state = new Authorization(Optional.empty());
        }
        return List.of();
    }

    public List<Pop3Action> start() {
        return List.of(new Send(Pop3Reply.greeting(hostname, apopTimestamp)));
    }

    public List<Pop3Action> onCommand(Pop3Command command) {
        if (state instanceof Authorization a) {
            return authorization(a, command);
        }
        if (state instanceof Transaction t) {
            return transaction(t, command);
        }
        // Authenticating, Update, Closed: the handler reads no input then; anything left is dropped.
        return List.of();
    }

    public List<Pop3Action> onLineTooLong(int limit) {
        if (state instanceof Authorization || state instanceof Transaction) {
            return bad(Pop3Reply.lineTooLong(limit));
        }
        return List.of();
    }

    /** The outcome of {@link Pop3Action.CheckCredentials}: the account's address, or empty. */
    public List<Pop3Action> onCredentials(Optional<String> account) {
        if (!(state instanceof Authenticating)) {
            return List.of();
        }
        if (account.isPresent()) {
            return List.of(new Pop3Action.OpenMaildrop(account.get()));
        }
        authFailures++;
        List<Pop3Action> actions = new ArrayList<>();
        if (!policy.authDelay(authFailures).isZero()) {
            actions.add(new Pop3Action.Pause(policy.authDelay(authFailures)));
        }
        if (authFailures >= policy.maxAuthFailures()) {
            state = new Closed();
            actions.add(new Send(Pop3Reply.tooManyAuthFailures()));
            actions.add(new Close());
        } else {
            state = new Authorization(Optional.empty());
            actions.add(new Send(Pop3Reply.authFailed()));
        }
        return actions;
    }

    /** Another POP3 session holds the account's lock. */
    public List<Pop3Action> onMailboxInUse() {
        if (!(state instanceof Authenticating)) {
            return List.of();
        }
        state = new Authorization(Optional.empty());
        return List.of(new Send(Pop3Reply.mailboxInUse()));
    }

    /** The account's maildrop was locked and listed. */
    public List<Pop3Action> onMaildropOpened(Maildrop drop) {
        if (!(state instanceof Authenticating)) {
            return List.of();
        }
        Transaction t = new Transaction(drop, new BitSet());
        state = t;
        return List.of(new Pop3Action.SetIdleTimeout(policy.transactionIdleTimeout()),
                new Send(Pop3Reply.loggedIn(t.liveCount(), t.liveSize())));
    }

    /**
     * The credentials were not checked: the client's address or the account is locked out
     * ({@link org.postroom.auth.AuthThrottle}). A temporary refusal; the session stays in AUTHORIZATION.
     */
    public List<Pop3Action> onAuthThrottled() {
        if (!(state instanceof Authenticating)) {
            return List.of();
        }
        state = new Authorization(Optional.empty());
        return List.of(new Send(Pop3Reply.authThrottled()));
    }

    /** The maildrop could not be listed (I/O error); the handler released the lock. */
    public List<Pop3Action> onMaildropFailed() {
        if (!(state instanceof Authenticating)) {
            return List.of();
        }
        state = new Authorization(Optional.empty());
        return List.of(new Send(Pop3Reply.mailboxUnavailable()));
    }

    /** The UPDATE state finished; {@code failed} marked messages could not be removed. */
    public List<Pop3Action> onCommitted(int failed) {
        if (!(state instanceof Update)) {
            return List.of();
        }
        state = new Closed();
        Pop3Reply reply = failed == 0
                ? Pop3Reply.signingOff(hostname)
                : Pop3Reply.err("[SYS/TEMP] " + failed + " deleted message" + (failed == 1 ? " was" : "s were")
                        + " not removed");
        return List.of(new Send(reply), new Close());
    }

    /** No input for the idle timeout: RFC 1939 says close without entering UPDATE. */
    public List<Pop3Action> onIdleTimeout() {
        return closeWith(Pop3Reply.timeout());
    }

    public List<Pop3Action> onShutdown() {
        return closeWith(Pop3Reply.shuttingDown());
    }

    private List<Pop3Action> closeWith(Pop3Reply reply) {
        if (state instanceof Closed || state instanceof Update) {
            // Update: the commit in flight finishes and says goodbye itself.
            return List.of();
        }
        state = new Closed();
        return List.of(new Send(reply), new Close());
    }

    private List<Pop3Action> authorization(Authorization a, Pop3Command command) {
        if (command instanceof Pop3Command.User u) {
            state = new Authorization(Optional.of(u.name()));
            return send(Pop3Reply.ok("Send your password"));
        }
        if (command instanceof Pop3Command.Pass p) {
            if (a.user().isEmpty()) {
                return bad(Pop3Reply.err("Send USER first"));
            }
            state = new Authenticating(a.user().get());
            return List.of(new Pop3Action.CheckCredentials(a.user().get(), new Credentials.Password(p.password())));
        }
        if (command instanceof Pop3Command.Apop ap) {
            state = new Authenticating(ap.name());
            return List.of(new Pop3Action.CheckCredentials(ap.name(),
                    new Credentials.ApopDigest(apopTimestamp, ap.digest())));
        }
        if (command instanceof Pop3Command.Quit) {
            state = new Closed();
            return List.of(new Send(Pop3Reply.signingOff(hostname)), new Close());
        }
        if (command instanceof Pop3Command.Capa) {
            return send(capabilities(tlsAvailable && !tlsActive));
        }
        if (command instanceof Pop3Command.Stls) {
            if (tlsActive) {
                return send(Pop3Reply.err("Command not permitted when TLS active"));
            }
            if (!tlsAvailable) {
                return send(Pop3Reply.err("STLS is not available on this server"));
            }
            state = new Authorization(Optional.empty());
            return List.of(new Send(Pop3Reply.ok("Begin TLS negotiation")), new Pop3Action.StartTls());
        }
        if (command instanceof Pop3Command.Noop) {
            return send(Pop3Reply.ok(""));
        }
        if (command instanceof Pop3Command.Unknown || command instanceof Pop3Command.Invalid) {
            return badInput(command);
        }
        return bad(Pop3Reply.err("Not logged in: use USER and PASS first"));
    }

    private List<Pop3Action> transaction(Transaction t, Pop3Command command) {
        Maildrop drop = t.drop();
        if (command instanceof Pop3Command.Stat) {
            return send(Pop3Reply.ok(t.liveCount() + " " + t.liveSize()));
        }
        if (command instanceof Pop3Command.List l) {
            if (l.message().isPresent()) {
                int n = l.message().getAsInt();
                Pop3Reply missing = missing(t, n);
                return missing != null ? send(missing) : send(Pop3Reply.ok(n + " " + drop.message(n).size()));
            }
            List<String> lines = new ArrayList<>();
            for (int n = 1; n <= drop.count(); n++) {
                if (!t.isDeleted(n)) {
                    lines.add(n + " " + drop.message(n).size());
                }
            }
            int live = t.liveCount();
            return send(new Pop3Reply.MultiLine(live + " message" + (live == 1 ? "" : "s")
                    + " (" + t.liveSize() + " octets)", lines));
        }
        if (command instanceof Pop3Command.Uidl u) {
            if (u.message().isPresent()) {
                int n = u.message().getAsInt();
                Pop3Reply missing = missing(t, n);
                return missing != null ? send(missing) : send(Pop3Reply.ok(n + " " + drop.message(n).uid()));
            }
            List<String> lines = new ArrayList<>();
            for (int n = 1; n <= drop.count(); n++) {
                if (!t.isDeleted(n)) {
                    lines.add(n + " " + drop.message(n).uid());
                }
            }
            return send(new Pop3Reply.MultiLine("Unique-id listing follows", lines));
        }
        if (command instanceof Pop3Command.Retr r) {
            Pop3Reply missing = missing(t, r.message());
            return missing != null ? send(missing)
                    : List.of(new Pop3Action.SendMessage(drop, r.message(), drop.message(r.message()), OptionalInt.empty()));
        }
        if (command instanceof Pop3Command.Top top) {
            Pop3Reply missing = missing(t, top.message());
            return missing != null ? send(missing)
                    : List.of(new Pop3Action.SendMessage(drop, top.message(), drop.message(top.message()),
                            OptionalInt.of(top.lines())));
        }
        if (command instanceof Pop3Command.Dele d) {
            Pop3Reply missing = missing(t, d.message());
            if (missing != null) {
                return send(missing);
            }
            t.deleted().set(d.message());
            return send(Pop3Reply.ok("Message " + d.message() + " deleted"));
        }
        if (command instanceof Pop3Command.Rset) {
            t.deleted().clear();
            return send(Pop3Reply.ok("Maildrop has " + t.liveCount() + " messages (" + t.liveSize() + " octets)"));
        }
        if (command instanceof Pop3Command.Noop) {
            return send(Pop3Reply.ok(""));
        }
        if (command instanceof Pop3Command.Capa) {
            return send(capabilities(false));
        }
        if (command instanceof Pop3Command.Quit) {
            List<MaildropMessage> marked = new ArrayList<>();
            for (int n = t.deleted().nextSetBit(1); n >= 1; n = t.deleted().nextSetBit(n + 1)) {
                marked.add(drop.message(n));
            }
            state = new Update(drop);
            return List.of(new Pop3Action.Commit(drop, marked));
        }
        if (command instanceof Pop3Command.Unknown || command instanceof Pop3Command.Invalid) {
            return badInput(command);
        }
        if (command instanceof Pop3Command.Stls) {
            return bad(Pop3Reply.err("STLS is only valid before login"));
        }
        return bad(Pop3Reply.err("Already logged in"));
    }

    /** The -ERR for a message number that is out of range or deleted, or null if it is fine. */
    private static Pop3Reply missing(Transaction t, int n) {
        if (!t.drop().contains(n)) {
            return Pop3Reply.noSuchMessage(n);
        }
        if (t.isDeleted(n)) {
            return Pop3Reply.alreadyDeleted(n);
        }
        return null;
    }

    private static Pop3Reply capabilities(boolean offerStls) {
        if (!offerStls) {
            return new Pop3Reply.MultiLine("Capability list follows", CAPABILITIES);
        }
        List<String> withStls = new ArrayList<>(CAPABILITIES);
        withStls.add("STLS");
        return new Pop3Reply.MultiLine("Capability list follows", withStls);
    }

    private List<Pop3Action> badInput(Pop3Command command) {
        if (command instanceof Pop3Command.Invalid i) {
            return bad(Pop3Reply.err(i.reason()));
        }
        return bad(Pop3Reply.unknownCommand(command.verb()));
    }

    private List<Pop3Action> bad(Pop3Reply reply) {
        badCommands++;
        if (badCommands > policy.maxBadCommands()) {
            state = new Closed();
            return List.of(new Send(reply), new Send(Pop3Reply.tooManyBadCommands()), new Close());
        }
        return send(reply);
    }

    private static List<Pop3Action> send(Pop3Reply reply) {
        return List.of(new Send(reply));
    }
}
