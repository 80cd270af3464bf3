package org.postroom.inbound;

import org.apache.pekko.util.ByteString;
import org.postroom.config.Settings;
import org.postroom.engine.EngineServices;
import org.postroom.net.ProtocolHandlerFactory;

/**
 * A protocol whose handler factory is built once per engine and shared by every listener that serves it:
 * the plaintext listener and its implicit-TLS twin ({@code pop3}/{@code pop3s}, {@code imap}/{@code imaps})
 * then share what the factory holds (POP3 mailbox locks, the IMAP mailbox registry that keeps UIDs
 * consistent), so a session on either port sees the other's. Thread-safe: guardians start concurrently.
 */
public final class SharedHandlersProtocol implements InboundProtocol {
    private final InboundProtocol protocol;
    private EngineServices builtFor;
    private ProtocolHandlerFactory factory;

    public SharedHandlersProtocol(InboundProtocol protocol) {
        this.protocol = protocol;
    }

    @Override
    public String kind() {
        return protocol.kind();
    }

    @Override
    public ByteString serverTooBusy(Settings settings) {
        return protocol.serverTooBusy(settings);
    }

    @Override
    public synchronized ProtocolHandlerFactory handlers(EngineServices services) {
        if (factory == null || builtFor != services) {
            factory = protocol.handlers(services);
            builtFor = services;
        }
        return factory;
    }
}
