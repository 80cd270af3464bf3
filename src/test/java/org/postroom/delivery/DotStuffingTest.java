package org.postroom.delivery;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DotStuffingTest {
    private static String stuff(String s) {
        return new String(DotStuffing.stuff(s.getBytes(StandardCharsets.ISO_8859_1)), StandardCharsets.ISO_8859_1);
    }

    @Test
    void linesStartingWithADotShouldGetAnotherDot() {
        assertEquals("a\r\n..\r\n..b\r\nc.\r\n.\r\n", stuff("a\r\n.\r\n.b\r\nc.\r\n"));
        assertEquals("..first\r\n.\r\n", stuff(".first\r\n"));
    }

    @Test
    void bareLineFeedsAndAMissingFinalLineEndShouldBeRepaired() {
        assertEquals("a\r\nb\r\n..c\r\n.\r\n", stuff("a\nb\n.c"));
        assertEquals(".\r\n", stuff(""));
    }

    @Test
    void eightBitBytesShouldBeDetected() {
        assertTrue(DotStuffing.has8Bit("café".getBytes(StandardCharsets.UTF_8)));
        assertFalse(DotStuffing.has8Bit("cafe".getBytes(StandardCharsets.UTF_8)));
    }
}
