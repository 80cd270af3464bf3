package org.postroom.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigMemorySize;
import com.typesafe.config.ConfigValue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Typed reads of one config subtree that turn every Typesafe Config failure into a {@link ConfigError}
 * naming the key relative to {@code postroom} and the offending value.
 */
public final class ConfigReader {
    private final Config config;
    private final String prefix;

    public ConfigReader(Config config, String prefix) {
        this.config = config;
        this.prefix = prefix;
    }

    public ConfigReader at(String path) {
        return new ConfigReader(read(path, () -> config.getConfig(path)), key(path) + ".");
    }

    public String key(String path) {
        return prefix + path;
    }

    public boolean has(String path) {
        return config.hasPath(path);
    }

    public Config raw() {
        return config;
    }

    public String string(String path) {
        return read(path, () -> config.getString(path));
    }

    public boolean bool(String path) {
        return read(path, () -> config.getBoolean(path));
    }

    public int intAtLeast(String path, int min) {
        return intBetween(path, min, Integer.MAX_VALUE);
    }

    public int intBetween(String path, int min, int max) {
        int value = read(path, () -> config.getInt(path));
        if (value < min || value > max) {
            throw new ConfigError(key(path), max == Integer.MAX_VALUE
                    ? "must be at least " + min + ", got " + value
                    : "must be between " + min + " and " + max + ", got " + value);
        }
        return value;
    }

    public Duration duration(String path) {
        Duration value = read(path, () -> config.getDuration(path));
        if (value.isNegative()) {
            throw new ConfigError(key(path), "must not be negative, got " + render(path));
        }
        return value;
    }

    public Duration positiveDuration(String path) {
        Duration value = duration(path);
        if (value.isZero()) {
            throw new ConfigError(key(path), "must be greater than zero, got " + render(path));
        }
        return value;
    }

    public long bytes(String path) {
        ConfigMemorySize size = read(path, () -> config.getMemorySize(path));
        if (size.toBytes() <= 0) {
            throw new ConfigError(key(path), "must be greater than zero, got " + render(path));
        }
        return size.toBytes();
    }

    public List<String> strings(String path) {
        return read(path, () -> config.getStringList(path));
    }

    public List<Duration> durations(String path) {
        List<Duration> list = read(path, () -> config.getDurationList(path));
        for (Duration d : list) {
            if (d.isNegative() || d.isZero()) {
                throw new ConfigError(key(path), "every step must be greater than zero, got " + render(path));
            }
        }
        return list;
    }

    public List<ConfigReader> objects(String path) {
        List<? extends Config> list = read(path, () -> config.getConfigList(path));
        List<ConfigReader> readers = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            readers.add(new ConfigReader(list.get(i), key(path) + "[" + i + "]."));
        }
        return readers;
    }

    private String render(String path) {
        ConfigValue v = config.getValue(path);
        return v.render(com.typesafe.config.ConfigRenderOptions.concise());
    }

    private <T> T read(String path, java.util.function.Supplier<T> getter) {
        try {
            return getter.get();
        } catch (ConfigException.Missing e) {
            throw new ConfigError(key(path), "is missing");
        } catch (ConfigException.WrongType | ConfigException.BadValue e) {
            String value = config.hasPathOrNull(path) && !config.getIsNull(path) ? render(path) : "null";
            throw new ConfigError(key(path), "bad value " + value + " (" + shortReason(e) + ")");
        }
    }

    private static String shortReason(ConfigException e) {
        String m = e.getMessage();
        int idx = m.lastIndexOf(": ");
        return idx >= 0 ? m.substring(idx + 2) : m;
    }
}
