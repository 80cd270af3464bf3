package org.postroom.smtp;

import org.apache.pekko.util.ByteString;
import org.postroom.config.Settings;
import org.postroom.engine.EngineServices;
import org.postroom.inbound.InboundProtocol;
import org.postroom.net.ProtocolHandlerFactory;
import org.postroom.smtp.codec.SmtpReply;
import org.postroom.smtp.session.MailAcceptor;
import org.postroom.smtp.session.QueueIds;
import org.postroom.smtp.session.SmtpHandler;
import org.postroom.smtp.session.SmtpListener;
import org.postroom.smtp.session.SmtpSessionConfig;
import org.postroom.smtp.session.StoreAndSpoolAcceptor;

import java.time.Clock;
import java.util.function.Function;

/**
 * SMTP as an inbound protocol of the engine, in two instances: {@link #smtp()} (kind "smtp": mail for
 * local accounts, no AUTH, never relays) and {@link #msa()} (kind "msa": submission, AUTH PLAIN/LOGIN
 * required, may send anywhere). Both refuse a connection over the limit with the identical
 * {@code 421 4.3.2 <hostname> Server Too Busy}. Each handler gets a {@link StoreAndSpoolAcceptor}
 * over the engine's Maildir store and outbound spool, shared by the listener's sessions.
 */
public final class SmtpProtocol implements InboundProtocol {
    private final SmtpListener listener;
    private final Function<EngineServices, MailAcceptor> acceptors;
    private final boolean startTls;

    private SmtpProtocol(SmtpListener listener, Function<EngineServices, MailAcceptor> acceptors, boolean startTls) {
        this.listener = listener;
        this.acceptors = acceptors;
        this.startTls = startTls;
    }

    /** The port-25-role listener, kind "smtp". */
    public static SmtpProtocol smtp() {
        return new SmtpProtocol(SmtpListener.SMTP, SmtpProtocol::defaultAcceptor, false);
    }

    /** The submission listener, kind "msa". */
    public static SmtpProtocol msa() {
        return new SmtpProtocol(SmtpListener.MSA, SmtpProtocol::defaultAcceptor, false);
    }

    /** Either listener with another acceptor (e.g. a group-commit writer, or a test double). */
    public static SmtpProtocol of(SmtpListener listener, Function<EngineServices, MailAcceptor> acceptors) {
        return new SmtpProtocol(listener, acceptors, false);
    }

    /**
     * The same protocol offering STARTTLS when the engine has a certificate. Off by default: STARTTLS
     * belongs to the security issue (which also decides AUTH-only-after-TLS on msa).
     */
    public SmtpProtocol withStartTls() {
        return new SmtpProtocol(listener, acceptors, true);
    }

    private static MailAcceptor defaultAcceptor(EngineServices services) {
        return new StoreAndSpoolAcceptor(services.store(), services.spool(), services.settings().hostname(),
                Clock.systemDefaultZone(), new QueueIds());
    }

    @Override
    public String kind() {
        return listener.kind();
    }

    @Override
    public ByteString serverTooBusy(Settings settings) {
        return SmtpReply.serverTooBusy(settings.hostname()).toByteString();
    }

    @Override
    public ProtocolHandlerFactory handlers(EngineServices services) {
        MailAcceptor acceptor = acceptors.apply(services);
        // Rebuilt only when a reload brought new settings; a session keeps the config it started with.
        var configs = new org.postroom.config.Derived<>(services.live(),
                s -> SmtpSessionConfig.from(s, services.accounts(), listener).withStartTls(startTls));
        return connection -> new SmtpHandler(configs.get(), services.accounts(), acceptor,
                connection.remote().getAddress() != null ? connection.remote().getAddress().getHostAddress()
                        : connection.remote().getHostString(), services.authThrottle());
    }
}
