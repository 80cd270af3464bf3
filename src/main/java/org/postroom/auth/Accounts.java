package org.postroom.auth;

import org.postroom.config.Settings;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The local accounts from config and their credentials. Thread-safe (immutable). A user may log in
 * with the full address or, when it is unambiguous, the local part alone. Password comparison is in
 * constant time.
 */
public final class Accounts {
    private final Map<String, Settings.AccountSettings> byAddress = new LinkedHashMap<>();
    private final Map<String, String> addressByLocalPart = new LinkedHashMap<>();

    public Accounts(Iterable<Settings.AccountSettings> accounts) {
        Map<String, Integer> localCounts = new LinkedHashMap<>();
        for (Settings.AccountSettings a : accounts) {
            byAddress.put(a.address(), a);
            localCounts.merge(a.localPart(), 1, Integer::sum);
        }
        for (Settings.AccountSettings a : accounts) {
            if (localCounts.get(a.localPart()) == 1) {
                addressByLocalPart.put(a.localPart(), a.address());
            }
        }
    }

    /** The canonical (lower-case) address of an existing account for a login name or address. */
    public Optional<String> resolve(String loginOrAddress) {
        String key = loginOrAddress.toLowerCase(Locale.ROOT);
        if (byAddress.containsKey(key)) {
            return Optional.of(key);
        }
        return Optional.ofNullable(addressByLocalPart.get(key));
    }

    public boolean exists(String address) {
        return byAddress.containsKey(address.toLowerCase(Locale.ROOT));
    }

    /**
     * Whether the account with canonical address {@code account} may use {@code address} as its
     * envelope sender: compared the way logins are looked up, case-insensitively on the whole
     * address. An account owns only its own address; there are no aliases to add yet.
     */
    public boolean owns(String account, String address) {
        String owner = account.toLowerCase(Locale.ROOT);
        return byAddress.containsKey(owner) && owner.equals(address.toLowerCase(Locale.ROOT));
    }

    /** The account's canonical address when the credentials are right. */
    public Optional<String> authenticate(String login, String password) {
        Optional<String> address = resolve(login);
        if (address.isEmpty()) {
            // Compare anyway so a wrong user costs as long as a wrong password.
            PasswordCheck.matches(null, null, password);
            return Optional.empty();
        }
        Settings.AccountSettings a = byAddress.get(address.get());
        return PasswordCheck.matches(a.password(), a.passwordHash(), password) ? address : Optional.empty();
    }

    public Iterable<String> addresses() {
        return byAddress.keySet();
    }

    /** Plain or hashed password comparison. */
    static final class PasswordCheck {
        static boolean matches(String plain, String hash, String offered) {
            byte[] given = offered == null ? new byte[0] : offered.getBytes(StandardCharsets.UTF_8);
            if (hash != null) {
                return PasswordHash.verify(hash, offered == null ? "" : offered);
            }
            byte[] expected = plain == null ? new byte[0] : plain.getBytes(StandardCharsets.UTF_8);
            boolean same = MessageDigest.isEqual(expected, given);
            return plain != null && same;
        }
    }
}
