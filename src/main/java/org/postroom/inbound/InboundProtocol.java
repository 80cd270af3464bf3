package org.postroom.inbound;

import org.apache.pekko.util.ByteString;
import org.postroom.config.Settings;
import org.postroom.engine.EngineServices;
import org.postroom.net.ProtocolHandlerFactory;

/**
 * One inbound protocol as the engine sees it: its kind (the listener's config key and metrics label),
 * the one line a connection over the limit gets, and how to make a handler for an admitted one.
 * {@link InboundProtocols} lists them; a new protocol drops in there without touching any guardian.
 */
public interface InboundProtocol {

    /** "smtp", "msa", "pop3" or "imap": the key under {@code inbound} and the metrics {@code kind}. */
    String kind();

    /** The complete "Server Too Busy" reply, CRLF included. */
    ByteString serverTooBusy(Settings settings);

    /** Builds the factory of handlers, once, when the listener starts. */
    ProtocolHandlerFactory handlers(EngineServices services);
}
