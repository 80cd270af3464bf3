package org.postroom.smtp.session;

import org.junit.jupiter.api.Test;
import org.postroom.auth.Accounts;
import org.postroom.config.Settings;
import org.postroom.smtp.codec.Paths;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The sender check of inbound.msa.sender-must-match-login, alone: which reverse-paths a login may use. */
class SenderLoginPolicyTest {
    private final Accounts accounts = new Accounts(List.of(
            new Settings.AccountSettings("alice@example.test", "alice-pw", null),
            new Settings.AccountSettings("bob@example.test", "bob-pw", null)));
    private final SenderLoginPolicy on = SenderLoginPolicy.ownedAddressesOnly(accounts::owns);

    private static Paths.ReversePath sender(String path) throws Paths.PathException {
        return Paths.parseReversePath(path).path();
    }

    @Test
    void theLoginsOwnAddressShouldBeAllowed() throws Exception {
        assertTrue(on.allows("alice@example.test", sender("<alice@example.test>")));
    }

    @Test
    void theOwnAddressShouldMatchInAnyCaseAsLoginsAreLookedUp() throws Exception {
        assertTrue(on.allows("alice@example.test", sender("<alice@EXAMPLE.Test>")));
        assertTrue(on.allows("alice@example.test", sender("<ALICE@example.test>")));
        assertTrue(on.allows("alice@example.test", sender("<\"alice\"@example.test>")), "quoting without need");
    }

    @Test
    void anotherAccountsAddressShouldBeRefused() throws Exception {
        assertFalse(on.allows("alice@example.test", sender("<bob@example.test>")));
    }

    @Test
    void aRemoteOrUnknownAddressShouldBeRefused() throws Exception {
        assertFalse(on.allows("alice@example.test", sender("<alice@elsewhere.example>")));
        assertFalse(on.allows("alice@example.test", sender("<nobody@example.test>")));
        assertFalse(on.allows("alice@example.test", sender("<alice.x@example.test>")));
    }

    @Test
    void theNullSenderShouldBeAllowedAsPostfixDoes() throws Exception {
        assertTrue(on.allows("alice@example.test", sender("<>")));
    }

    @Test
    void anAddressShouldNotBeOwnedByALoginThatIsNoAccount() {
        assertFalse(accounts.owns("mallory@example.test", "mallory@example.test"));
        assertTrue(accounts.owns("Bob@Example.Test", "bob@example.test"));
    }

    @Test
    void offShouldAllowEverySender() throws Exception {
        SenderLoginPolicy off = SenderLoginPolicy.off();
        assertFalse(off.enabled());
        assertTrue(off.allows("alice@example.test", sender("<bob@example.test>")));
        assertTrue(off.allows("alice@example.test", sender("<ceo@elsewhere.example>")));
    }
}
