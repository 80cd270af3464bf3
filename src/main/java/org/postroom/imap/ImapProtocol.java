package org.postroom.imap;

import org.apache.pekko.util.ByteString;
import org.postroom.config.Settings;
import org.postroom.engine.EngineServices;
import org.postroom.imap.mailbox.MailboxRegistry;
import org.postroom.imap.session.ImapHandler;
import org.postroom.imap.session.ImapStats;
import org.postroom.inbound.InboundProtocol;
import org.postroom.net.ProtocolHandlerFactory;

/**
 * IMAP4rev1 as an inbound protocol: kind {@code imap}, refusal {@code * BYE Server Too Busy}, and one
 * {@link ImapHandler} per admitted connection, all sharing one {@link MailboxRegistry} so sessions on
 * the same folder agree on UIDs and see each other's changes. Adds an {@code imap} section to
 * {@code /status} (sessions logged in and in IDLE, logins, failed logins, commands).
 */
public final class ImapProtocol implements InboundProtocol {

    @Override
    public String kind() {
        return "imap";
    }

    @Override
    public ByteString serverTooBusy(Settings settings) {
        return ByteString.fromString("* BYE Server Too Busy\r\n");
    }

    @Override
    public ProtocolHandlerFactory handlers(EngineServices services) {
        MailboxRegistry registry = new MailboxRegistry(services.store());
        ImapStats stats = new ImapStats();
        services.metrics().addStatusSection("imap", stats::snapshot);
        return connection -> new ImapHandler(services.live().get(), services.accounts(), services.store(), registry,
                stats, services.authThrottle(), connection.remote().getAddress() != null
                        ? connection.remote().getAddress().getHostAddress() : connection.remote().getHostString());
    }
}
