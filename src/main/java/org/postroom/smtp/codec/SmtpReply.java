package org.postroom.smtp.codec;

import org.apache.pekko.util.ByteString;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One SMTP reply: a code, an RFC 3463 enhanced status code (ENHANCEDSTATUSCODES, RFC 2034) and one
 * or more text lines, rendered {@code 250-...} / {@code 250 ...}. Following RFC 2034, the greeting,
 * the EHLO/HELO replies and the intermediate 334/354 replies carry no enhanced code (RFC 3463 has no
 * class 3); every other reply does, on each of its lines. Every reply the server sends is built by a
 * named factory here, so wording lives in one place.
 */
public record SmtpReply(int code, String enhanced, List<String> lines) {

    public SmtpReply {
        if (code < 200 || code > 599 || lines.isEmpty()) {
            throw new IllegalArgumentException("bad reply " + code + " " + lines);
        }
        // Text may echo client input: reply text is printable US-ASCII (RFC 5321 section 4.2), so control
        // characters (a bare CR, NUL, C1 controls such as NEL) and anything non-ASCII become '?', or one
        // reply could look like several to a client (found by SmtpServerFuzzTest).
        lines = lines.stream().map(SmtpReply::printable).toList();
    }

    private static String printable(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                StringBuilder sb = new StringBuilder(text.length());
                text.chars().forEach(ch -> sb.append(ch < 0x20 || ch > 0x7e ? '?' : (char) ch));
                return sb.toString();
            }
        }
        return text;
    }

    public static SmtpReply of(int code, String enhanced, String text) {
        return new SmtpReply(code, enhanced, List.of(text));
    }

    /** A reply without enhanced status code (greeting, EHLO, 334, 354). */
    public static SmtpReply plain(int code, String... lines) {
        return new SmtpReply(code, "", List.of(lines));
    }

    public boolean isPositive() {
        return code < 400;
    }

    /** The wire form, CRLF after every line. */
    public String render() {
        StringBuilder sb = new StringBuilder(64);
        for (int i = 0; i < lines.size(); i++) {
            sb.append(code).append(i == lines.size() - 1 ? ' ' : '-');
            if (!enhanced.isEmpty()) {
                sb.append(enhanced);
                if (!lines.get(i).isEmpty()) {
                    sb.append(' ');
                }
            }
            sb.append(lines.get(i)).append("\r\n");
        }
        return sb.toString();
    }

    public ByteString toByteString() {
        return ByteString.fromString(render(), StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return render().trim();
    }

    // --- Connection -------------------------------------------------------------------------

    public static SmtpReply greeting(String host) {
        return plain(220, host + " ESMTP Postroom");
    }

    /** Sent instead of the greeting to a connection over {@code max-sessions}; identical on smtp and msa. */
    public static SmtpReply serverTooBusy(String host) {
        return of(421, "4.3.2", host + " Server Too Busy");
    }

    public static SmtpReply shuttingDown(String host) {
        return of(421, "4.3.2", host + " Service shutting down");
    }

    public static SmtpReply timeout(String host) {
        return of(421, "4.4.2", host + " Timeout");
    }

    public static SmtpReply tooManyBadCommands(String host) {
        return of(421, "4.7.0", host + " Error: too many bad commands");
    }

    public static SmtpReply bye(String host) {
        return of(221, "2.0.0", host + " Bye");
    }

    /** EHLO: the first line greets, the others are the extension keywords. */
    public static SmtpReply ehlo(String host, String clientName, List<String> extensions) {
        String[] lines = new String[extensions.size() + 1];
        lines[0] = host + " Hello " + clientName;
        for (int i = 0; i < extensions.size(); i++) {
            lines[i + 1] = extensions.get(i);
        }
        return plain(250, lines);
    }

    public static SmtpReply helo(String host) {
        return plain(250, host);
    }

    // --- Positive ---------------------------------------------------------------------------

    public static SmtpReply ok() {
        return of(250, "2.0.0", "Ok");
    }

    public static SmtpReply senderOk() {
        return of(250, "2.1.0", "Ok");
    }

    public static SmtpReply recipientOk() {
        return of(250, "2.1.5", "Ok");
    }

    public static SmtpReply startData() {
        return plain(354, "End data with <CR><LF>.<CR><LF>");
    }

    public static SmtpReply queued(String id) {
        return of(250, "2.0.0", "Ok: queued as " + id);
    }

    public static SmtpReply readyToStartTls() {
        return of(220, "2.0.0", "Ready to start TLS");
    }

    public static SmtpReply cannotVrfy() {
        return of(252, "2.0.0", "Cannot VRFY user, but will accept message and attempt delivery");
    }

    public static SmtpReply help(List<String> verbs) {
        return new SmtpReply(214, "2.0.0", List.of("Commands supported:", String.join(" ", verbs),
                "See RFC 5321"));
    }

    /** AUTH continuation: the challenge, already base64 ("" for an empty challenge). */
    public static SmtpReply authChallenge(String base64) {
        return plain(334, base64);
    }

    public static SmtpReply authOk() {
        return of(235, "2.7.0", "Authentication successful");
    }

    // --- Transient failures -----------------------------------------------------------------

    public static SmtpReply tooManyRecipients() {
        return of(452, "4.5.3", "Error: too many recipients");
    }

    public static SmtpReply localError() {
        return of(451, "4.3.0", "Error: local error in processing, try again later");
    }

    // --- Permanent failures -----------------------------------------------------------------

    public static SmtpReply unknownCommand() {
        return of(500, "5.5.1", "Error: command not recognized");
    }

    public static SmtpReply lineTooLong() {
        return of(500, "5.5.2", "Line too long");
    }

    public static SmtpReply notImplemented() {
        return of(502, "5.5.1", "Error: command not implemented");
    }

    public static SmtpReply syntax(String detail) {
        return of(501, "5.5.4", "Syntax: " + detail);
    }

    public static SmtpReply badSenderSyntax(String detail) {
        return of(501, "5.1.7", "Bad sender address syntax: " + detail);
    }

    public static SmtpReply badRecipientSyntax(String detail) {
        return of(501, "5.1.3", "Bad recipient address syntax: " + detail);
    }

    public static SmtpReply badParameter(String param) {
        return of(555, "5.5.4", "Unsupported option: " + param);
    }

    public static SmtpReply badSequence(String detail) {
        return of(503, "5.5.1", "Error: " + detail);
    }

    public static SmtpReply messageTooBig() {
        return of(552, "5.3.4", "Error: message size exceeds fixed limit");
    }

    public static SmtpReply noSuchUser(String address) {
        return of(550, "5.1.1", "<" + address + ">: Recipient address rejected: User unknown");
    }

    public static SmtpReply relayDenied(String address) {
        return of(554, "5.7.1", "<" + address + ">: Relay access denied");
    }

    /**
     * MAIL FROM on the submission listener with an address the logged-in user does not own
     * ({@code inbound.msa.sender-must-match-login}); Postfix's wording for reject_sender_login_mismatch.
     */
    public static SmtpReply senderNotOwned(String sender, String user) {
        return of(553, "5.7.1", "<" + sender + ">: Sender address rejected: not owned by user " + user);
    }

    public static SmtpReply authRequired() {
        return of(530, "5.7.0", "Authentication required");
    }

    public static SmtpReply authFailed() {
        return of(535, "5.7.8", "Error: authentication failed");
    }

    public static SmtpReply authCancelled() {
        return of(501, "5.0.0", "Authentication cancelled");
    }

    public static SmtpReply authBadBase64() {
        return of(501, "5.5.2", "Error: cannot decode response");
    }

    /** AUTH before STARTTLS where TLS is required for it (RFC 4954 section 6). */
    public static SmtpReply encryptionRequired() {
        return of(538, "5.7.11", "Encryption required for requested authentication mechanism");
    }

    /** MAIL before STARTTLS (and AUTH) on a submission listener that requires TLS (RFC 3207 section 4). */
    public static SmtpReply startTlsFirst() {
        return of(530, "5.7.0", "Must issue a STARTTLS command first");
    }

    /** The client or its account is locked out after too many failed logins ({@code inbound.auth.*}). */
    public static SmtpReply authThrottled() {
        return of(454, "4.7.0", "Too many failed authentication attempts, try again later");
    }

    /** The client talked before the greeting (early talker): sent instead of it, then the connection closes. */
    public static SmtpReply earlyTalker(String host) {
        return of(554, "5.5.0", host + " No SMTP service here: client talked before the greeting");
    }

    public static SmtpReply authMechanismUnknown() {
        return of(504, "5.5.4", "Error: unsupported authentication mechanism");
    }
}
