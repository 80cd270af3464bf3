/**
 * The IMAP4rev1 server (RFC 3501) on the local Maildirs, with IDLE (RFC 2177), UIDPLUS (RFC 4315),
 * MOVE (RFC 6851), NAMESPACE, ID, ENABLE, UNSELECT, CHILDREN, SPECIAL-USE (names only), LITERAL+,
 * SASL-IR, AUTH=PLAIN and AUTH=LOGIN, and STARTTLS when the listener has a certificate.
 *
 * <p>The chain is James' decode → request → process → respond: {@code codec} frames bytes into
 * commands ({@code ImapDecoder}, incremental, literal-aware, size-limited) and parses them into
 * records ({@code ImapParser} → {@code ImapCommand}); {@code session} holds the per-connection handler
 * (states, IDLE, AUTHENTICATE continuations, timeouts) and the processor that runs commands on the
 * blocking dispatcher; {@code mailbox} is the Maildir index shared by the sessions of a listener;
 * {@code message} answers ENVELOPE, BODYSTRUCTURE and body sections from a small MIME parser.
 *
 * <p>On disk, besides the Maildir files themselves (flags in the {@code :2,DFRST} suffix, the file's
 * mtime as INTERNALDATE, sizes from {@code ,W=}): {@code postroom-uidlist} in each folder (UIDVALIDITY,
 * UIDNEXT, UID → base name and keywords; rewritten by temp file and rename) and {@code subscriptions}
 * in the account's root Maildir. Folders are Maildir++ ({@code "Archive/2026"} ↔ {@code .Archive.2026});
 * "." cannot appear in a folder name. Reading a folder moves {@code new/} messages to {@code cur/}, as
 * Maildir readers do; POP3 reading and deleting the same files is seen at the next command or IDLE.
 *
 * <p>Not implemented: CONDSTORE/QRESYNC, LIST-EXTENDED/LIST-STATUS, QUOTA, ESEARCH, SORT/THREAD,
 * BINARY, COMPRESS, UTF8=ACCEPT, MULTIAPPEND; RFC 2231 parameters are passed on undecoded (as Dovecot
 * does). \Recent is tracked per process.
 */
package org.postroom.imap;
