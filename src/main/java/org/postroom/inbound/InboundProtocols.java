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
                org.postroom.smtp.SmtpProtocol.smtp().withStartTls(),
                org.postroom.smtp.SmtpProtocol.msa().withStartTls(),
                new org.postroom.pop3.Pop3Protocol(),
                new org.postroom.imap.ImapProtocol()
        );
    }
}
