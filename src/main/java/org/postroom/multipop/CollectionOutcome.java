package org.postroom.multipop;

/** The result of collecting one source once. {@code delivered} counts messages put into the local Maildir. */
public sealed interface CollectionOutcome {
    int delivered();

    /** What went wrong, for /status and logs. */
    enum Stage { CONNECT, GREETING, LOGIN, PROTOCOL, STORE, INTERNAL }

    /**
     * Everything on the server was processed: {@code delivered} new messages, {@code deleted} on the
     * server, {@code skipped} left there because already collected (leave-on-server), {@code tooLarge}
     * left there because LIST says they exceed {@code multipop.max-message-size}.
     */
    record Collected(int delivered, int deleted, int skipped, int tooLarge) implements CollectionOutcome {
        public Collected(int delivered, int deleted, int skipped) {
            this(delivered, deleted, skipped, 0);
        }
    }

    /** The run stopped at {@code stage}; what was delivered before is recorded and won't come twice. */
    record Failed(Stage stage, String error, int delivered) implements CollectionOutcome {}

    default boolean succeeded() {
        return this instanceof Collected;
    }
}
