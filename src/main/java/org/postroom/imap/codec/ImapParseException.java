package org.postroom.imap.codec;

/** A command that cannot be parsed: answered with a tagged (or untagged, if no tag) BAD. */
public final class ImapParseException extends Exception {
    private final String tag;

    public ImapParseException(String tag, String message) {
        super(message);
        this.tag = tag;
    }

    /** The command's tag, or null when even the tag was unreadable. */
    public String tag() {
        return tag;
    }
}
