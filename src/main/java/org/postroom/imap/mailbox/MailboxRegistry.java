package org.postroom.imap.mailbox;

import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The one {@link FolderIndex} per Maildir folder that every IMAP session of a listener shares, so
 * concurrent sessions agree on UIDs and flags and serialise their writes on the index's lock; and
 * the {@link MessageSummaries} they share.
 */
public final class MailboxRegistry {
    private final ConcurrentHashMap<Path, FolderIndex> indexes = new ConcurrentHashMap<>();
    private final MessageSummaries summaries = new MessageSummaries();
    private final org.postroom.store.MaildirStore store;

    public MailboxRegistry() {
        this(null);
    }

    /** @param store writes the folders' UID lists (through its delivery journal when it has one) */
    public MailboxRegistry(org.postroom.store.MaildirStore store) {
        this.store = store;
    }

    /** The header blocks and envelopes the sessions of this listener share (see {@link MessageSummaries}). */
    public MessageSummaries summaries() {
        return summaries;
    }

    public FolderIndex open(Path folderDir) {
        return indexes.computeIfAbsent(folderDir.toAbsolutePath().normalize(), d -> new FolderIndex(d, store));
    }

    /** Drops the index of a folder that was deleted or renamed (and those below it). */
    public void forget(Path folderDir) {
        Path key = folderDir.toAbsolutePath().normalize();
        String prefix = key.getFileName().toString() + ".";
        indexes.entrySet().removeIf(e -> {
            Path p = e.getKey();
            boolean hit = p.equals(key)
                    || (p.getParent() != null && p.getParent().equals(key.getParent())
                    && p.getFileName().toString().startsWith(prefix));
            if (hit) {
                e.getValue().reset();
            }
            return hit;
        });
    }
}
