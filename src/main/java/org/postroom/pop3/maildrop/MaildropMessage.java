package org.postroom.pop3.maildrop;

/**
 * One message of a POP3 maildrop as listed at login.
 *
 * @param uid      the unique id UIDL shows: the Maildir base name (without {@code :2,} info), stable
 *                 across sessions and restarts
 * @param baseName the Maildir base name, used to find the file again if another client renamed it
 * @param fileName the file name in {@code cur/} when listed (base name plus info)
 * @param size     the size in octets with CRLF line ends, as LIST and STAT count it
 */
public record MaildropMessage(String uid, String baseName, String fileName, long size) {}
