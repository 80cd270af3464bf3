package org.postroom.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds and reads the configuration: {@code --config FILE} if given, else {@code -Dconfig.file}, else
 * {@code conf/postroom.conf} when it exists; then HOCON's usual layering (system properties over the
 * file over {@code postroom-pekko.conf} over every {@code reference.conf}), resolved. A file that cannot be read or parsed is a
 * {@link ConfigError}.
 */
public final class ConfigLoader {
    public static final Path DEFAULT_FILE = Path.of("conf", "postroom.conf");
    /** Postroom's Pekko settings, layered above every reference.conf (see the file's header). */
    static final String PEKKO_DEFAULTS = "postroom-pekko.conf";

    private ConfigLoader() {
    }

    public static Path chooseFile(Path explicit) {
        if (explicit != null) {
            return explicit;
        }
        String prop = System.getProperty("config.file");
        if (prop != null) {
            return Path.of(prop);
        }
        return Files.exists(DEFAULT_FILE) ? DEFAULT_FILE : null;
    }

    public static Config load(Path explicit) {
        Path file = chooseFile(explicit);
        Config fileConfig = ConfigFactory.empty();
        if (file != null) {
            if (!Files.isReadable(file)) {
                throw new ConfigError("config", "cannot read file " + file);
            }
            try {
                fileConfig = ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
            } catch (ConfigException e) {
                throw new ConfigError("config", "cannot parse " + file + ": " + e.getMessage());
            }
        }
        return fromFileConfig(fileConfig);
    }

    /** Layers overrides and defaults around the parsed file and resolves it. */
    public static Config fromFileConfig(Config fileConfig) {
        try {
            return ConfigFactory.defaultOverrides()
                    .withFallback(fileConfig)
                    .withFallback(ConfigFactory.parseResources(ConfigLoader.class.getClassLoader(), PEKKO_DEFAULTS))
                    // Explicit class loader: a reload may run on a thread without a context class loader (SIGHUP).
                    .withFallback(ConfigFactory.defaultReference(ConfigLoader.class.getClassLoader()))
                    .resolve();
        } catch (ConfigException e) {
            throw new ConfigError("config", e.getMessage());
        }
    }
}
