package org.postroom.pop3.session;

import org.postroom.auth.Accounts;
import org.postroom.config.Settings;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Checks POP3 credentials; returns the account's canonical address when they are right. May block
 * (password hashing): the handler runs it on the blocking executor.
 */
@FunctionalInterface
public interface Pop3Authenticator {

    Optional<String> check(String login, Pop3Action.Credentials credentials);

    /**
     * USER/PASS against {@link Accounts}; APOP (RFC 1939 section 7) only for accounts configured with a
     * plain {@code password}, since it needs the shared secret itself.
     */
    static Pop3Authenticator of(Accounts accounts, List<Settings.AccountSettings> settings) {
        return (login, credentials) -> {
            if (credentials instanceof Pop3Action.Credentials.Password p) {
                return accounts.authenticate(login, p.password());
            }
            Pop3Action.Credentials.ApopDigest apop = (Pop3Action.Credentials.ApopDigest) credentials;
            Optional<String> address = accounts.resolve(login);
            Optional<String> secret = address.flatMap(a -> settings.stream()
                    .filter(s -> s.address().equals(a)).findFirst().map(Settings.AccountSettings::password));
            byte[] expected = apopDigest(apop.timestamp(), secret.orElse("")).getBytes(StandardCharsets.US_ASCII);
            byte[] given = apop.digest().toLowerCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII);
            boolean same = MessageDigest.isEqual(expected, given);
            return same && secret.isPresent() ? address : Optional.empty();
        };
    }

    /** The APOP digest: MD5 of timestamp + secret, lower-case hex. */
    static String apopDigest(String timestamp, String secret) {
        try {
            MessageDigest md5 = MessageDigest.getInstance("MD5");
            return HexFormat.of().formatHex(md5.digest((timestamp + secret).getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
