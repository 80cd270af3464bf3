package org.postroom.smtp.session;

import java.util.List;
import java.util.Optional;

/**
 * One accepted SMTP transaction's envelope and where it came from, as the {@link MailAcceptor} needs
 * it: sender ("" for the null sender), recipients split into local accounts (canonical lower-case
 * addresses) and remote addresses, the client's HELO/EHLO name and IP, the protocol word for the
 * Received header (SMTP, ESMTP, ESMTPA; RFC 3848) and the authenticated user, if any.
 */
public record Envelope(
        String sender,
        List<String> localRecipients,
        List<String> remoteRecipients,
        String heloName,
        String peerIp,
        String protocol,
        Optional<String> authenticatedUser) {

    public Envelope {
        localRecipients = List.copyOf(localRecipients);
        remoteRecipients = List.copyOf(remoteRecipients);
    }

    public int recipientCount() {
        return localRecipients.size() + remoteRecipients.size();
    }
}
