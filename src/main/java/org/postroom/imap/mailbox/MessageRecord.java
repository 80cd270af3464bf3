package org.postroom.imap.mailbox;

import java.nio.file.Path;
import java.util.Set;

/**
 * One message of a folder as the index knows it: UID, flags (system flags and keywords, without
 * \Recent), size with CRLF line ends, internal date (epoch millis) and the file holding it.
 */
public record MessageRecord(long uid, Set<String> flags, long size, long internalDate, Path file) {
    public MessageRecord {
        flags = Set.copyOf(flags);
    }
}
