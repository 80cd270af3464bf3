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
        // The plaintext listener and its implicit-TLS twin share one handler factory (locks, registries).
        InboundProtocol pop3 = new SharedHandlersProtocol(new org.postroom.pop3.Pop3Protocol());
        InboundProtocol imap = new SharedHandlersProtocol(new org.postroom.imap.ImapProtocol());
        return List.of(
                org.postroom.smtp.SmtpProtocol.smtp().withStartTls(),
                org.postroom.smtp.SmtpProtocol.msa().withStartTls(),
                pop3,
                imap,
                // Implicit TLS (off unless inbound.smtps/pop3s/imaps.enabled); smtps is submission (RFC 8314).
                new ImplicitTlsProtocol("smtps", org.postroom.smtp.SmtpProtocol.msa().withStartTls()),
                new ImplicitTlsProtocol("pop3s", pop3),
                new ImplicitTlsProtocol("imaps", imap)
        );
    }
}
