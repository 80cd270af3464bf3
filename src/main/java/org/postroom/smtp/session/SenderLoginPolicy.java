package org.postroom.smtp.session;

import org.postroom.smtp.codec.Paths;

import java.util.function.BiPredicate;

/**
 * Whether an authenticated submission user may use a MAIL FROM reverse-path
 * ({@code inbound.msa.sender-must-match-login}; RFC 6409 section 6.1 lets an MSA enforce it). Postfix's
 * {@code smtpd_sender_login_maps} with {@code reject_sender_login_mismatch}, reduced to what Postroom's
 * accounts know: the sender must be an address the login owns ({@code owns(account, address)}, from
 * {@link org.postroom.auth.Accounts#owns}). Plain and stateless; the session machine asks it at MAIL and
 * answers a refusal with {@code 553 5.7.1}. Only used on the submission listeners (msa, smtps) after AUTH.
 */
public final class SenderLoginPolicy {
    private static final SenderLoginPolicy OFF = new SenderLoginPolicy(false, (account, address) -> true);

    private final boolean enabled;
    private final BiPredicate<String, String> owns;

    private SenderLoginPolicy(boolean enabled, BiPredicate<String, String> owns) {
        this.enabled = enabled;
        this.owns = owns;
    }

    /** Any sender is allowed (the setting is off). */
    public static SenderLoginPolicy off() {
        return OFF;
    }

    /** The sender must be owned by the login: {@code owns.test(account, senderAddress)}. */
    public static SenderLoginPolicy ownedAddressesOnly(BiPredicate<String, String> owns) {
        return new SenderLoginPolicy(true, owns);
    }

    public boolean enabled() {
        return enabled;
    }

    /** {@code account}: the canonical address the user logged in as. */
    public boolean allows(String account, Paths.ReversePath sender) {
        if (!enabled) {
            return true;
        }
        // The null sender is allowed, as Postfix's reject_sender_login_mismatch skips it: <> names no one,
        // so it cannot impersonate anybody, and user agents legitimately submit with it (read receipts,
        // RFC 8098 section 3; auto-replies, RFC 3834 section 3.3).
        if (sender instanceof Paths.NullSender) {
            return true;
        }
        return owns.test(account, sender.address());
    }
}
