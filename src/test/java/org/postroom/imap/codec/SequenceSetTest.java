package org.postroom.imap.codec;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SequenceSetTest {

    @Test
    void starShouldStandForTheLargestNumberInUse() {
        SequenceSet s = SequenceSet.parse("2,4:7,10:*");
        assertTrue(s.contains(2, 20));
        assertFalse(s.contains(3, 20));
        assertTrue(s.contains(5, 20));
        assertTrue(s.contains(20, 20));
        assertFalse(s.contains(8, 20));
        assertEquals("2,4:7,10:*", s.toString());
    }

    @Test
    void reversedRangesShouldWorkAndStarBelowTheStartShouldIncludeTheLast() {
        assertTrue(SequenceSet.parse("7:4").contains(5, 10));
        // UID 5:* when the highest UID is 3 still names UID 3 (RFC 3501 6.4.8)
        assertTrue(SequenceSet.parse("5:*").contains(3, 3));
        assertTrue(SequenceSet.parse("*").contains(9, 9));
    }

    @Test
    void badSetsShouldBeRejected() {
        for (String bad : List.of("", "0", "1:", ":3", "a", "1,,2", "4294967296")) {
            assertThrows(IllegalArgumentException.class, () -> SequenceSet.parse(bad), bad);
        }
    }

    @Test
    void compactShouldJoinRuns() {
        assertEquals("1:3,5,7:8", SequenceSet.compact(List.of(1L, 2L, 3L, 5L, 7L, 8L)));
        assertEquals("", SequenceSet.compact(List.of()));
    }

    @Test
    void withinShouldCheckTheHighestNumber() {
        assertTrue(SequenceSet.parse("1:*").within(3));
        assertFalse(SequenceSet.parse("1:4").within(3));
    }
}
