package org.postroom.inbound;

import java.util.List;

/**
 * The inbound protocols the engine runs, each under its own {@link InboundGuardian} when its listener
 * is enabled. Adding a protocol is adding it here.
 */
public final class InboundProtocols {
    private InboundProtocols() {
    }

    public static List<InboundProtocol> all() {
        return List.of(
                new org.postroom.pop3.Pop3Protocol(),
                new org.postroom.imap.ImapProtocol()
        );
    }
}
