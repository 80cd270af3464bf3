package org.postroom.pop3;

import org.apache.pekko.util.ByteString;
import org.postroom.config.Settings;
import org.postroom.engine.EngineServices;
import org.postroom.inbound.InboundProtocol;
import org.postroom.net.ProtocolHandlerFactory;
import org.postroom.pop3.codec.Pop3Reply;
import org.postroom.pop3.maildrop.MaildropLocks;
import org.postroom.pop3.session.Pop3Authenticator;
import org.postroom.pop3.session.Pop3Backend;
import org.postroom.pop3.session.Pop3Handler;
import org.postroom.pop3.session.Pop3Policy;

import java.util.Map;

/**
 * The POP3 listener as the engine sees it: kind {@code pop3}, refusal {@code -ERR Server Too Busy},
 * and one {@link Pop3Handler} per admitted connection. All sessions of the listener share one
 * {@link MaildropLocks} registry (so a second login to a locked account gets {@code -ERR [IN-USE]});
 * {@code /status} shows how many mailboxes are locked under {@code pop3}.
 */
public final class Pop3Protocol implements InboundProtocol {

    @Override
    public String kind() {
        return "pop3";
    }

    @Override
    public ByteString serverTooBusy(Settings settings) {
        return Pop3Reply.serverTooBusy().encode();
    }

    @Override
    public ProtocolHandlerFactory handlers(EngineServices services) {
        // One set of maildrop locks for the listener's life; the policy follows reloads.
        MaildropLocks locks = new MaildropLocks();
        services.metrics().addStatusSection("pop3", () -> Map.of("lockedMailboxes", locks.lockedCount()));
        var backends = new org.postroom.config.Derived<>(services.live(), settings -> {
            Settings.InboundSettings inbound = settings.inbound();
            // The failure pause comes from the engine's AuthThrottle (per IP and account, across sessions).
            Pop3Policy policy = new Pop3Policy(inbound.maxLineLength(), inbound.maxBadCommands(),
                    Pop3Policy.DEFAULT_MAX_AUTH_FAILURES, java.time.Duration.ZERO, inbound.idleTimeout());
            return new Pop3Backend(policy, settings.hostname(),
                    Pop3Authenticator.of(services.accounts(), services.settings().accounts()), locks,
                    services.store()::inbox, account -> services.store().watchers().notifyChanged(account));
        });
        return connection -> new Pop3Handler(backends.get(), services.authThrottle(),
                connection.remote().getAddress() != null ? connection.remote().getAddress().getHostAddress()
                        : connection.remote().getHostString());
    }
}
