package org.postroom.pop3.maildrop;

import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MaildropLocksTest {

    @Test
    void aSecondLockOnTheSameAccountShouldBeRefusedUntilTheFirstIsReleased() {
        MaildropLocks locks = new MaildropLocks();
        Optional<MaildropLocks.Lease> first = locks.tryLock("alice@example.test");
        assertTrue(first.isPresent());
        assertTrue(locks.tryLock("alice@example.test").isEmpty());
        assertTrue(locks.tryLock("bob@example.test").isPresent(), "other accounts are independent");

        first.get().release();

        assertTrue(locks.tryLock("alice@example.test").isPresent());
    }

    @Test
    void releasingTwiceShouldNotFreeALockTakenByAnotherSession() {
        MaildropLocks locks = new MaildropLocks();
        MaildropLocks.Lease old = locks.tryLock("alice@example.test").orElseThrow();
        old.release();
        MaildropLocks.Lease current = locks.tryLock("alice@example.test").orElseThrow();

        old.release();

        assertTrue(locks.isLocked("alice@example.test"));
        assertEquals(1, locks.lockedCount());
        current.release();
        assertFalse(locks.isLocked("alice@example.test"));
    }
}
