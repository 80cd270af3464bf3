package org.postroom.multipop;

import com.typesafe.config.Config;
import org.postroom.config.ConfigError;
import org.postroom.multipop.client.Pop3Client;

import javax.net.ssl.SSLSocketFactory;
import java.time.Duration;

/**
 * MultiPOP's technical knobs beyond the contract keys of {@code Settings.MultiPopSettings}: timeouts, the
 * largest message fetched, and the dispatcher the blocking collections run on. Read from
 * {@code postroom.multipop.*} and fall back to the defaults below when a key is missing.
 */
public record MultiPopOptions(Duration connectTimeout, Duration commandTimeout, long maxMessageSize,
                              String dispatcher, SSLSocketFactory tlsFactory) {
    public static final String DISPATCHER = "postroom-multipop-dispatcher";

    public static MultiPopOptions defaults() {
        return new MultiPopOptions(Duration.ofSeconds(30), Duration.ofMinutes(2), 64L * 1024 * 1024, DISPATCHER,
                (SSLSocketFactory) SSLSocketFactory.getDefault());
    }

    /** Reads the optional keys under {@code postroom.multipop} of the whole config. */
    public static MultiPopOptions from(Config root) {
        MultiPopOptions d = defaults();
        String base = "postroom.multipop.";
        Duration connect = duration(root, base, "connect-timeout", d.connectTimeout());
        Duration command = duration(root, base, "command-timeout", d.commandTimeout());
        long max = d.maxMessageSize();
        if (root.hasPath(base + "max-message-size")) {
            try {
                max = root.getBytes(base + "max-message-size");
            } catch (RuntimeException e) {
                throw new ConfigError("multipop.max-message-size", "must be a size, got " + root.getValue(base + "max-message-size").render());
            }
            if (max < 1) {
                throw new ConfigError("multipop.max-message-size", "must be positive, got " + max);
            }
        }
        return new MultiPopOptions(connect, command, max, d.dispatcher(), d.tlsFactory());
    }

    private static Duration duration(Config root, String base, String key, Duration fallback) {
        if (!root.hasPath(base + key)) {
            return fallback;
        }
        Duration value;
        try {
            value = root.getDuration(base + key);
        } catch (RuntimeException e) {
            throw new ConfigError("multipop." + key, "must be a duration, got " + root.getValue(base + key).render());
        }
        if (value.isZero() || value.isNegative()) {
            throw new ConfigError("multipop." + key, "must be positive, got " + value);
        }
        return value;
    }

    public Pop3Client.Options clientOptions() {
        return new Pop3Client.Options(connectTimeout, commandTimeout, maxMessageSize, tlsFactory);
    }
}
