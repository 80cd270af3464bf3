package org.postroom.inbound;

import org.apache.pekko.util.ByteString;
import org.postroom.config.Settings;
import org.postroom.engine.EngineServices;
import org.postroom.net.ProtocolHandlerFactory;

/**
 * A protocol served on an implicit-TLS listener (the 465/995/993 roles, RFC 8314): the same handlers as
 * {@code plain}, under its own kind ({@code smtps}, {@code pop3s}, {@code imaps}: own config section,
 * own limits, own metrics series). The listener's {@code implicitTls} flag makes the session actor run
 * the TLS handshake before the handler's greeting; a handler sees {@code ctx.isTls()} from its start,
 * so it offers no STARTTLS/STLS. A connection over the limit is closed without a reply (the client
 * could not read a plaintext line).
 */
public final class ImplicitTlsProtocol implements InboundProtocol {
    private final String kind;
    private final InboundProtocol plain;

    public ImplicitTlsProtocol(String kind, InboundProtocol plain) {
        this.kind = kind;
        this.plain = plain;
    }

    @Override
    public String kind() {
        return kind;
    }

    @Override
    public ByteString serverTooBusy(Settings settings) {
        return plain.serverTooBusy(settings);
    }

    @Override
    public ProtocolHandlerFactory handlers(EngineServices services) {
        return plain.handlers(services);
    }
}
