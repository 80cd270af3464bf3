package org.postroom.pop3.session;

import org.postroom.pop3.maildrop.MaildropLocks;

import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * What every POP3 session of one listener shares: its limits, the host name for greetings, the
 * credential check, the mailbox locks, where an account's INBOX Maildir is, and whom to tell that a
 * mailbox changed (IMAP sessions watching it) after deletions. Thread-safe parts only.
 */
public record Pop3Backend(
        Pop3Policy policy,
        String hostname,
        Pop3Authenticator authenticator,
        MaildropLocks locks,
        Function<String, Path> inboxOf,
        Consumer<String> mailboxChanged) {}
