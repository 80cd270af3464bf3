package org.postroom.hosthealth;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TokenLedgerTest {

    private static InetAddress ip(String s) throws Exception {
        return InetAddress.getByName(s);
    }

    private static TokenLedger<String> ledger(int limit, List<String> trusted, boolean trustedUse, boolean reservedUse) {
        return new TokenLedger<>(TokenLedger.Rules.of(limit, trusted, trustedUse, reservedUse));
    }

    @Test
    void aPublicAddressShouldGetNoMoreTokensThanTheLimit() throws Exception {
        TokenLedger<String> l = ledger(2, List.of(), false, false);
        assertTrue(l.tryAcquire("a", ip("192.0.2.1")));
        assertTrue(l.tryAcquire("b", ip("192.0.2.1")));
        assertFalse(l.tryAcquire("c", ip("192.0.2.1")));
        assertTrue(l.tryAcquire("c", ip("192.0.2.2")));
        l.release("a", ip("192.0.2.1"));
        assertTrue(l.tryAcquire("c", ip("192.0.2.1")));
        assertEquals(2, l.inUse(ip("192.0.2.1")));
        assertEquals(3, l.totalInUse());
    }

    @Test
    void aZeroLimitShouldBeUnlimited() throws Exception {
        TokenLedger<String> l = ledger(0, List.of(), true, true);
        for (int i = 0; i < 100; i++) {
            assertTrue(l.tryAcquire("h" + i, ip("192.0.2.1")));
        }
        assertEquals(100, l.totalInUse());
    }

    @Test
    void trustedAddressesAndRangesShouldBeExemptUnlessTheSwitchIsOn() throws Exception {
        TokenLedger<String> exempt = ledger(1, List.of("192.0.2.7", "198.51.100.0/24"), false, false);
        assertTrue(exempt.tryAcquire("a", ip("192.0.2.7")));
        assertTrue(exempt.tryAcquire("b", ip("192.0.2.7")));
        assertTrue(exempt.tryAcquire("a", ip("198.51.100.9")));
        assertTrue(exempt.tryAcquire("b", ip("198.51.100.9")));
        assertTrue(exempt.tryAcquire("a", ip("192.0.2.8")));
        assertFalse(exempt.tryAcquire("b", ip("192.0.2.8")));

        TokenLedger<String> limited = ledger(1, List.of("192.0.2.7", "198.51.100.0/24"), true, false);
        assertTrue(limited.tryAcquire("a", ip("192.0.2.7")));
        assertFalse(limited.tryAcquire("b", ip("192.0.2.7")));
        assertTrue(limited.tryAcquire("a", ip("198.51.100.9")));
        assertFalse(limited.tryAcquire("b", ip("198.51.100.9")));
    }

    @Test
    void reservedAddressesShouldBeExemptUnlessTheSwitchIsOn() throws Exception {
        for (String reserved : List.of("127.0.0.2", "10.1.2.3", "172.16.0.1", "192.168.1.1", "::1", "fd00::1", "fe80::1")) {
            TokenLedger<String> exempt = ledger(1, List.of(), false, false);
            assertTrue(exempt.tryAcquire("a", ip(reserved)));
            assertTrue(exempt.tryAcquire("b", ip(reserved)), reserved);

            TokenLedger<String> limited = ledger(1, List.of(), false, true);
            assertTrue(limited.tryAcquire("a", ip(reserved)));
            assertFalse(limited.tryAcquire("b", ip(reserved)), reserved);
        }
    }

    @Test
    void releaseAllShouldReturnEveryTokenOfAHolder() throws Exception {
        TokenLedger<String> l = ledger(1, List.of(), false, false);
        assertTrue(l.tryAcquire("a", ip("192.0.2.1")));
        assertTrue(l.tryAcquire("a", ip("192.0.2.2")));
        assertEquals(2, l.releaseAll("a"));
        assertEquals(0, l.totalInUse());
        assertFalse(l.holds("a"));
        assertTrue(l.tryAcquire("b", ip("192.0.2.1")));
        l.release("nobody", ip("192.0.2.1"));
        assertEquals(1, l.totalInUse());
    }
}
