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
                // Implicit TLS (off unless inbound.smtps/pop3s.enabled); smtps is submission (RFC 8314).
                new ImplicitTlsProtocol("smtps", org.postroom.smtp.SmtpProtocol.msa().withStartTls()),
                new ImplicitTlsProtocol("pop3s", new org.postroom.pop3.Pop3Protocol())
                // imaps: new ImplicitTlsProtocol("imaps", <the IMAP protocol>) once IMAP is in the engine.
        );
    }
}
