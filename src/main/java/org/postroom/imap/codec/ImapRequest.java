package org.postroom.imap.codec;

/** One tagged command as the client sent it. */
public record ImapRequest(String tag, ImapCommand command) {}
