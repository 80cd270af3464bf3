package org.postroom.imap.session;

import org.apache.pekko.util.ByteString;
import org.postroom.auth.Accounts;
import org.postroom.config.Settings;
import org.postroom.imap.codec.ImapCommand;
import org.postroom.imap.codec.ImapDecoder;
import org.postroom.imap.codec.ImapDecoder.Frame;
import org.postroom.imap.codec.ImapParseException;
import org.postroom.imap.codec.ImapParser;
import org.postroom.imap.codec.ImapRequest;
import org.postroom.imap.mailbox.MailboxRegistry;
import org.postroom.net.ProtocolHandler;
import org.postroom.net.SessionContext;
import org.postroom.store.MaildirStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;


/**
 * The IMAP side of one connection (RFC 3501 with IDLE, UIDPLUS, MOVE, NAMESPACE, ID, LITERAL+,
 * SASL-IR, UNSELECT). It frames input with {@link ImapDecoder} (sending {@code + Ready for literal}
 * for synchronising literals), parses with {@link ImapParser}, answers the state-free commands
 * itself and runs everything that touches the Maildir through {@link ImapProcessor} inside
 * {@code ctx.awaitBlocking}, so pipelined commands keep their order and no file I/O runs on the
 * actor's thread.
 *
 * <p>States: not authenticated (idle limit {@code inbound.idle-timeout}) → authenticated / selected
 * (idle limit {@code inbound.imap.autologout}) → logout. In IDLE, changes to the account's
 * mailboxes (announced by {@code MailboxWatchers}) are sent at once as untagged EXISTS, EXPUNGE and
 * FETCH lines. Too many bad commands ({@code inbound.max-bad-commands}) end the connection.
 * STARTTLS (RFC 3501 6.2.1) when the listener has a certificate; input pipelined behind it is dropped.
 * Known gap: SEARCH does not decode transfer encodings.
 */
public final class ImapHandler implements ProtocolHandler {
    private static final Logger log = LoggerFactory.getLogger(ImapHandler.class);

    private final Settings settings;
    private final MaildirStore store;
    private final ImapProcessor processor;
    private final ImapDecoder decoder;
    private SessionContext ctx;
    private String authTag;
    /** AUTHENTICATE LOGIN: null while not in it, "" while waiting for the user name, else the user name. */
    private String loginUser;
    private String idleTag;
    private boolean notified;
    private AutoCloseable watch;
    private int badCommands;
    private final ImapStats stats;
    private boolean countedIn;
    private boolean countedIdle;

    public ImapHandler(Settings settings, Accounts accounts, MaildirStore store, MailboxRegistry registry) {
        this(settings, accounts, store, registry, new ImapStats());
    }

    public ImapHandler(Settings settings, Accounts accounts, MaildirStore store, MailboxRegistry registry,
                       ImapStats stats) {
        this(settings, accounts, store, registry, stats, null, "");
    }

    /** With the engine's shared login throttle ({@code null} = this connection's own doubling delay only). */
    public ImapHandler(Settings settings, Accounts accounts, MaildirStore store, MailboxRegistry registry,
                       ImapStats stats, org.postroom.auth.AuthThrottle throttle, String peerIp) {
        this.settings = settings;
        this.stats = stats;
        this.store = store;
        this.throttle = throttle;
        this.processor = throttle == null ? new ImapProcessor(accounts, store, registry)
                : new ImapProcessor(accounts, store, registry, throttle, peerIp);
        Settings.InboundSettings in = settings.inbound();
        this.decoder = new ImapDecoder(in.maxLineLength(), in.maxLiteralSize(), in.maxMessageSize());
    }

    @Override
    public void onStart(SessionContext ctx) {
        this.ctx = ctx;
        ctx.setIdleTimeout(settings.inbound().idleTimeout());
        ctx.send("* OK [CAPABILITY " + capabilities() + "] " + settings.hostname() + " IMAP4rev1 ready\r\n");
    }

    /** The capability list; STARTTLS while the listener has a certificate and TLS is not on yet. */
    private String capabilities() {
        boolean offerTls = ctx.tlsAvailable() && !ctx.isTls() && processor.account() == null;
        return ImapProcessor.CAPABILITIES + (offerTls ? " STARTTLS" : "");
    }

    @Override
    public void onTlsStarted(SessionContext ctx, javax.net.ssl.SSLSession session) {
        this.ctx = ctx;
        decoder.reset();
    }

    @Override
    public void onInput(ByteString bytes, SessionContext ctx) {
        this.ctx = ctx;
        decoder.append(bytes);
        drain();
    }

    @Override
    public void onIdleTimeout(SessionContext ctx) {
        ctx.send("* BYE Autologout; idle for too long\r\n");
        ctx.close();
    }

    @Override
    public void onShutdown(SessionContext ctx) {
        ctx.send("* BYE Server shutting down\r\n");
        ctx.close();
    }

    @Override
    public void onClosed() {
        if (countedIn) {
            countedIn = false;
            stats.loggedIn.decrementAndGet();
        }
        idling(false);
        if (watch != null) {
            try {
                watch.close();
            } catch (Exception e) {
                // nothing to release beyond the listener itself
            }
            watch = null;
        }
    }

    /** Runs on the handler's thread (via ctx.callback) when the account's mailboxes changed. */
    private void onMailboxChanged() {
        notified = true;
        if (idleTag != null && !ctx.isAwaiting() && !ctx.isClosing()) {
            drain();
        }
    }

    private void drain() {
        while (!ctx.isAwaiting() && !ctx.isClosing()) {
            if (notified && idleTag != null) {
                notified = false;
                blocking(idleTag, this::idleSync, null);
                continue;
            }
            Frame frame = decoder.next();
            if (frame instanceof Frame.NeedMore) {
                return;
            }
            if (frame instanceof Frame.Continue) {
                ctx.send("+ Ready for literal\r\n");
            } else if (frame instanceof Frame.Refused r) {
                ctx.send(r.response());
                countBad();
            } else if (frame instanceof Frame.Fatal f) {
                ctx.send(f.response());
                ctx.close();
            } else if (frame instanceof Frame.Line line) {
                onLine(line.text());
            } else if (frame instanceof Frame.Command c) {
                ImapRequest request;
                try {
                    request = ImapParser.parse(c.bytes());
                } catch (ImapParseException e) {
                    String reply = e.getMessage().startsWith("[BADCHARSET") ? " NO " : " BAD ";
                    ctx.send((e.tag() == null ? "*" : e.tag()) + reply + printable(e.getMessage()) + "\r\n");
                    countBad();
                    continue;
                } catch (RuntimeException e) {
                    log.debug("unparseable IMAP command", e);
                    ctx.send("* BAD Invalid command\r\n");
                    countBad();
                    continue;
                }
                dispatch(request);
            }
        }
    }

    /** Reply text never carries the client's control characters (a CR or LF would break framing). */
    private static String printable(String text) {
        StringBuilder sb = new StringBuilder(Math.min(text.length(), 200));
        for (int i = 0; i < text.length() && i < 200; i++) {
            char c = text.charAt(i);
            sb.append(c < ' ' || c == 127 ? '?' : c);
        }
        return sb.toString();
    }

    private void countBad() {
        if (++badCommands >= settings.inbound().maxBadCommands()) {
            ctx.send("* BYE Too many bad commands\r\n");
            ctx.close();
        }
    }

    /** A raw line: the answer to AUTHENTICATE's continuation, or IDLE's DONE. */
    private void idling(boolean on) {
        if (on != countedIdle) {
            countedIdle = on;
            if (on) {
                stats.idling.incrementAndGet();
            } else {
                stats.idling.decrementAndGet();
            }
        }
    }

    private void onLine(String text) {
        decoder.rawLineMode(false);
        if (authTag != null) {
            String tag = authTag;
            authTag = null;
            String user = loginUser;
            loginUser = null;
            if (text.strip().equals("*")) {
                ctx.send(tag + " BAD Authentication cancelled\r\n");
                return;
            }
            if (user == null) {
                authenticate(tag, out -> processor.authenticatePlain(tag, text, out));
                return;
            }
            String decoded;
            try {
                decoded = new String(java.util.Base64.getMimeDecoder().decode(text.strip()),
                        java.nio.charset.StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                ctx.send(tag + " BAD Invalid base64\r\n");
                return;
            }
            if (user.isEmpty()) {
                // the user name came; ask for the password ("Password:" in base64, as clients expect)
                authTag = tag;
                loginUser = decoded.isEmpty() ? "\0" : decoded;
                decoder.rawLineMode(true);
                ctx.send("+ UGFzc3dvcmQ6\r\n");
                return;
            }
            String name = user.equals("\0") ? "" : user;
            authenticate(tag, out -> processor.login(tag, name, decoded, out));
            return;
        }
        if (idleTag != null) {
            String tag = idleTag;
            idleTag = null;
            idling(false);
            if (text.strip().equalsIgnoreCase("DONE")) {
                ctx.send(tag + " OK IDLE terminated\r\n");
            } else {
                ctx.send(tag + " BAD Expected DONE\r\n");
                countBad();
            }
        }
    }

    private void dispatch(ImapRequest request) {
        String tag = request.tag();
        ImapCommand cmd = request.command();
        boolean authenticated = processor.account() != null;
        notified = false;
        stats.commands.incrementAndGet();
        if (cmd instanceof ImapCommand.Capability) {
            ctx.send("* CAPABILITY " + capabilities() + "\r\n" + tag + " OK CAPABILITY completed\r\n");
        } else if (cmd instanceof ImapCommand.Logout) {
            ctx.send("* BYE " + settings.hostname() + " logging out\r\n" + tag + " OK LOGOUT completed\r\n");
            ctx.close();
        } else if (cmd instanceof ImapCommand.Id) {
            ctx.send("* ID (\"name\" \"Postroom\" \"vendor\" \"Postroom\")\r\n" + tag + " OK ID completed\r\n");
        } else if (cmd instanceof ImapCommand.StartTls) {
            if (!ctx.tlsAvailable() || ctx.isTls()) {
                ctx.send(tag + " BAD STARTTLS is not available\r\n");
            } else if (authenticated) {
                ctx.send(tag + " BAD STARTTLS only before login\r\n");
            } else {
                ctx.send(tag + " OK Begin TLS negotiation now\r\n");
                decoder.reset();
                ctx.startTls();
            }
        } else if (cmd instanceof ImapCommand.Noop && !processor.isSelected()) {
            ctx.send(tag + " OK NOOP completed\r\n");
        } else if (cmd instanceof ImapCommand.Login login) {
            if (authenticated) {
                ctx.send(tag + " BAD Already authenticated\r\n");
                return;
            }
            authenticate(tag, out -> processor.login(tag, login.user(), login.password(), out));
        } else if (cmd instanceof ImapCommand.Authenticate auth) {
            if (authenticated) {
                ctx.send(tag + " BAD Already authenticated\r\n");
            } else if (auth.mechanism().equals("LOGIN")) {
                authTag = tag;
                loginUser = "";
                decoder.rawLineMode(true);
                if (auth.initialResponse() != null) {
                    onLine(auth.initialResponse().equals("=") ? "" : auth.initialResponse());
                } else {
                    ctx.send("+ VXNlcm5hbWU6\r\n"); // "Username:"
                }
            } else if (!auth.mechanism().equals("PLAIN")) {
                ctx.send(tag + " NO [CANNOT] Unsupported mechanism " + auth.mechanism() + "\r\n");
            } else if (auth.initialResponse() != null) {
                String ir = auth.initialResponse().equals("=") ? "" : auth.initialResponse();
                authenticate(tag, out -> processor.authenticatePlain(tag, ir, out));
            } else {
                authTag = tag;
                decoder.rawLineMode(true);
                ctx.send("+ \r\n");
            }
        } else if (!authenticated) {
            ctx.send(tag + " BAD " + cmd.name() + " needs authentication first\r\n");
            countBad();
        } else if (cmd instanceof ImapCommand.Namespace) {
            ctx.send("* NAMESPACE ((\"\" \"/\")) NIL NIL\r\n" + tag + " OK NAMESPACE completed\r\n");
        } else if (cmd instanceof ImapCommand.Enable) {
            ctx.send("* ENABLED\r\n" + tag + " OK ENABLE completed\r\n");
        } else if (cmd instanceof ImapCommand.Idle) {
            idleTag = tag;
            idling(true);
            decoder.rawLineMode(true);
            ctx.send("+ idling\r\n");
            blocking(tag, this::idleSync, null);
        } else {
            blocking(tag, out -> processor.execute(request, out), null);
        }
    }

    private void afterLogin() {
        String account = processor.account();
        if (account != null && !countedIn) {
            countedIn = true;
            stats.logins.incrementAndGet();
            stats.loggedIn.incrementAndGet();
        }
        if (account != null && watch == null) {
            ctx.setIdleTimeout(settings.inbound().imapAutologout());
            watch = store.watchers().listen(account, ctx.callback(this::onMailboxChanged));
        }
    }

    /** Updates for a session in IDLE; a failure is logged, never answered (the IDLE command is still running). */
    private void idleSync(Responses out) {
        try {
            processor.sync(out);
        } catch (Exception e) {
            log.warn("IMAP IDLE update failed", e);
        }
    }

    private interface Work {
        void run(Responses out) throws Exception;
    }

    private int failedLogins;
    private final org.postroom.auth.AuthThrottle throttle;

    /**
     * Runs a credential check; a failure is answered only after a delay that doubles with each
     * failure of this connection (200 ms up to 3 s), input paused meanwhile: guessing passwords gets
     * slow without tying up a blocking thread.
     */
    private void authenticate(String tag, Work work) {
        ctx.awaitBlocking(() -> {
            Responses out = new Responses();
            work.run(out);
            return out;
        }, (out, error) -> {
            if (error != null) {
                log.warn("IMAP login failed for {}", ctx.connection().sessionId(), error);
                ctx.send(tag + " NO [SERVERBUG] Internal error: " + error.getClass().getSimpleName() + "\r\n");
                return;
            }
            if (processor.account() != null) {
                ctx.send(ByteString.fromArray(out.bytes()));
                afterLogin();
                return;
            }
            stats.failedLogins.incrementAndGet();
            // The engine's shared throttle decides the pause (per IP and account, across protocols);
            // without one, this connection's own doubling delay.
            long delay = throttle != null ? processor.lastFailurePause().toMillis()
                    : Math.min(3000, 200L << Math.min(failedLogins++, 4));
            ctx.await(java.util.concurrent.CompletableFuture.runAsync(() -> { },
                    java.util.concurrent.CompletableFuture.delayedExecutor(delay,
                            java.util.concurrent.TimeUnit.MILLISECONDS)),
                    (v, e) -> ctx.send(ByteString.fromArray(out.bytes())));
        });
    }

    private void blocking(String tag, Work work, Runnable after) {
        ctx.awaitBlocking(() -> {
            Responses out = new Responses();
            work.run(out);
            return out;
        }, (out, error) -> {
            if (error != null) {
                processor.abandonPending();
                log.warn("IMAP command failed for {}", ctx.connection().sessionId(), error);
                ctx.send(tag + " NO [SERVERBUG] Internal error: " + error.getClass().getSimpleName() + "\r\n");
            } else if (!out.isEmpty()) {
                ctx.send(ByteString.fromArray(out.bytes()));
            }
            if (error == null && processor.hasPendingFetch()) {
                blocking(tag, processor::continueFetch, after); // the next piece of a big FETCH
                return;
            }
            if (after != null) {
                after.run();
            }
        });
    }
}
