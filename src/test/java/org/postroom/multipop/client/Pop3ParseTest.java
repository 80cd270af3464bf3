package org.postroom.multipop.client;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class Pop3ParseTest {

    @Test
    void statShouldReadCountAndSize() throws Exception {
        assertEquals(new Pop3Parse.Stat(2, 320), Pop3Parse.stat("2 320"));
        assertEquals(new Pop3Parse.Stat(0, 0), Pop3Parse.stat("0 0 extra words"));
        assertThrows(Pop3ProtocolException.class, () -> Pop3Parse.stat("maildrop ready"));
    }

    @Test
    void uidlShouldReadNumbersAndIds() throws Exception {
        assertEquals(List.of(new Pop3Parse.UidlEntry(1, "whqtswO00WBw418f9t5JxYwZ"), new Pop3Parse.UidlEntry(3, "QhdPYR:00WBw1Ph7x7")),
                Pop3Parse.uidl(List.of("1 whqtswO00WBw418f9t5JxYwZ", "3 QhdPYR:00WBw1Ph7x7")));
    }

    @Test
    void uidlShouldRefuseMalformedLines() {
        assertThrows(Pop3ProtocolException.class, () -> Pop3Parse.uidl(List.of("1")));
        assertThrows(Pop3ProtocolException.class, () -> Pop3Parse.uidl(List.of("x abc")));
        assertThrows(Pop3ProtocolException.class, () -> Pop3Parse.uidl(List.of("1 ab\u00e9")));
    }

    @Test
    void listShouldMapNumbersToSizes() throws Exception {
        assertEquals(java.util.Map.of(1, 120L, 2, 200L), Pop3Parse.list(List.of("1 120", "2 200")));
        assertThrows(Pop3ProtocolException.class, () -> Pop3Parse.list(List.of("1")));
    }

    @Test
    void apopTimestampShouldBeFoundOnlyWhenWellFormed() {
        assertEquals(Optional.of("<1896.697170952@dbc.mtview.ca.us>"),
                Pop3Parse.apopTimestamp("POP3 server ready <1896.697170952@dbc.mtview.ca.us>"));
        assertEquals(Optional.empty(), Pop3Parse.apopTimestamp("POP3 server ready"));
        assertEquals(Optional.empty(), Pop3Parse.apopTimestamp("ready <no-at-sign>"));
    }

    @Test
    void apopDigestShouldMatchTheRfcExample() {
        // RFC 1939 §7
        assertEquals("c4c9334bac560ecc979e58001b3e22fb",
                Pop3Parse.apopDigest("<1896.697170952@dbc.mtview.ca.us>", "tanstaaf"));
    }
}
