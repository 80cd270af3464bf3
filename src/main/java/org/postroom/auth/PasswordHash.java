package org.postroom.auth;

import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * PBKDF2-SHA256 password hashes in the PHC string format:
 * {@code $pbkdf2-sha256$i=<iterations>$<salt b64>$<hash b64>}. Verification is in constant time.
 */
public final class PasswordHash {
    private static final int DEFAULT_ITERATIONS = 210_000;
    private static final SecureRandom RANDOM = new SecureRandom();

    private PasswordHash() {
    }

    public static String hash(String password) {
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        byte[] dk = derive(password, salt, DEFAULT_ITERATIONS, 32);
        Base64.Encoder b64 = Base64.getEncoder().withoutPadding();
        return "$pbkdf2-sha256$i=" + DEFAULT_ITERATIONS + "$" + b64.encodeToString(salt) + "$" + b64.encodeToString(dk);
    }

    /** True when {@code password} matches {@code encoded}; false for any malformed hash. */
    public static boolean verify(String encoded, String password) {
        String[] parts = encoded.split("\\$");
        // "", "pbkdf2-sha256", "i=N", salt, hash
        if (parts.length != 5 || !parts[1].equals("pbkdf2-sha256") || !parts[2].startsWith("i=")) {
            return false;
        }
        try {
            int iterations = Integer.parseInt(parts[2].substring(2));
            byte[] salt = Base64.getDecoder().decode(parts[3]);
            byte[] expected = Base64.getDecoder().decode(parts[4]);
            if (iterations < 1 || expected.length == 0) {
                return false;
            }
            return MessageDigest.isEqual(expected, derive(password, salt, iterations, expected.length));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    public static boolean isWellFormed(String encoded) {
        String[] parts = encoded.split("\\$");
        return parts.length == 5 && parts[1].equals("pbkdf2-sha256") && parts[2].matches("i=\\d+");
    }

    private static byte[] derive(String password, byte[] salt, int iterations, int length) {
        try {
            PBEKeySpec spec = new PBEKeySpec(password.toCharArray(), salt, iterations, length * 8);
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
