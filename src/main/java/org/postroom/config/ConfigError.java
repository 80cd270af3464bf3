package org.postroom.config;

/**
 * A configuration value that cannot be used. The message is one line naming the key (without the
 * {@code postroom.} prefix) and its bad value; {@code Main} prints it and exits with code 2.
 */
public final class ConfigError extends RuntimeException {
    private final String key;

    public ConfigError(String key, String problem) {
        super(key + ": " + problem);
        this.key = key;
    }

    public String key() {
        return key;
    }
}
