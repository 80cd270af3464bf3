package org.postroom.imap.codec;

import java.time.LocalDate;
import java.util.List;

/** A SEARCH criterion (RFC 3501 section 6.4.4); a list of keys is an {@link And}. */
public sealed interface SearchKey {

    record All() implements SearchKey {}

    /** A system flag ({@code \Seen}) or keyword; {@code present=false} for UNSEEN, UNKEYWORD... */
    record Flag(String flag, boolean present) implements SearchKey {}

    record Recent(boolean present) implements SearchKey {}

    /** NEW = RECENT UNSEEN. */
    record New() implements SearchKey {}

    enum DateOp { BEFORE, ON, SINCE }

    /** {@code internal} for BEFORE/ON/SINCE, false for SENTBEFORE/SENTON/SENTSINCE. */
    record DateKey(DateOp op, LocalDate date, boolean internal) implements SearchKey {}

    /** HEADER field string, and FROM/TO/CC/BCC/SUBJECT as their header. */
    record Header(String field, String value) implements SearchKey {}

    record Body(String value) implements SearchKey {}

    record Text(String value) implements SearchKey {}

    record Size(boolean larger, long size) implements SearchKey {}

    record Uid(SequenceSet set) implements SearchKey {}

    record Sequence(SequenceSet set) implements SearchKey {}

    record Not(SearchKey key) implements SearchKey {}

    record Or(SearchKey left, SearchKey right) implements SearchKey {}

    record And(List<SearchKey> keys) implements SearchKey {
        public And {
            keys = List.copyOf(keys);
        }
    }
}
