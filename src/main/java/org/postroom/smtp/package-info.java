/**
 * The SMTP server (RFC 5321) for the two inbound listeners: {@code smtp} (port 25 role: mail for local
 * accounts from anyone, never relays) and {@code msa} (submission, port 587 role: AUTH PLAIN/LOGIN
 * required before MAIL, may send anywhere). {@link org.postroom.smtp.SmtpProtocol} plugs both into the
 * engine. Shape: {@code codec} turns bytes into values ({@code SmtpLineDecoder}, {@code DataReceiver},
 * {@code SmtpCommandParser}, {@code Paths}) and replies into bytes ({@code SmtpReply}); {@code session}
 * holds the pure dialogue ({@code SmtpSessionMachine} with its {@code Verb} table), the thin
 * {@code SmtpHandler} that drives it on a connection, and acceptance ({@code MailAcceptor},
 * {@code StoreAndSpoolAcceptor}).
 *
 * <p>Choices a reader might wonder about:
 * <ul>
 *   <li>Extensions: PIPELINING, SIZE, 8BITMIME, ENHANCEDSTATUSCODES; AUTH PLAIN LOGIN on msa;
 *       STARTTLS only via {@code SmtpProtocol.withStartTls()} and when the engine has a certificate.</li>
 *   <li>DATA: only {@code CRLF.CRLF} ends it; a bare LF is normalised to CRLF and never starts a line
 *       that could end the data (no SMTP smuggling); text lines over 1000 octets are accepted; a
 *       message over {@code inbound.max-message-size} is read to its end and refused with 552 5.3.4.</li>
 *   <li>Command lines: up to 1000 octets with CRLF, or less if {@code inbound.max-line-length} says so
 *       (RFC 5321's minimum is 512); longer ones get 500 5.5.2 and are discarded without being
 *       buffered. A bare LF ends a command line.</li>
 *   <li>Addresses: angle brackets may be left out; quoted local parts are accepted; source routes are
 *       ignored (only the final mailbox counts, so they cannot make a relay); {@code user%host@local}
 *       is just an unknown local part; sub-domains of a local domain are not local;
 *       {@code <Postmaster>} is the postmaster of the first local domain; non-ASCII is refused
 *       (SMTPUTF8 is not offered).</li>
 *   <li>Durability: 250 after DATA only when every Maildir copy and the spool entry are fsynced; an
 *       IOException gives 451 4.3.0 (copies already written stay: a retry may duplicate, nothing is
 *       lost).</li>
 *   <li>Bad commands (unknown, malformed, out of sequence, over-long, failed AUTH) count against
 *       {@code inbound.max-bad-commands}; one more gets 421 4.7.0 and the connection is closed.
 *       Refused recipients (550/554) do not count.</li>
 * </ul>
 */
package org.postroom.smtp;
