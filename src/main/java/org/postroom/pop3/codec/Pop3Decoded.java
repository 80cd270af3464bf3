package org.postroom.pop3.codec;

/** What {@link Pop3LineDecoder#next} found in the bytes received so far. */
public sealed interface Pop3Decoded {

    /** No complete line yet: wait for more input. */
    record NeedMore() implements Pop3Decoded {}

    /** A complete command line, parsed. */
    record Command(Pop3Command command) implements Pop3Decoded {}

    /** A line longer than the limit ended; its bytes were dropped. */
    record LineTooLong(int limit) implements Pop3Decoded {}

    NeedMore NEED_MORE = new NeedMore();
}
