package org.postroom;

import org.postroom.auth.PasswordHash;
import org.postroom.config.ConfigError;
import org.postroom.config.ConfigLoader;
import org.postroom.config.Settings;
import org.postroom.engine.Engine;
import org.postroom.engine.EngineStartException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.Console;
import java.net.URI;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * The {@code postroom} command: with no sub-command it runs the engine; {@code status} prints the
 * running engine's figures; {@code hash-password} prints a password hash for {@code accounts};
 * {@code queue ...} and {@code hosts ...} ({@link org.postroom.cli}) act on the running engine's outbound
 * queue and host health through the admin API.
 * Exit codes: 0 ok, 1 the engine failed to start or the status could not be read, 2 a config error.
 */
// scope INHERIT: every subcommand, however deep (queue list, hosts forget), has its own --help.
@Command(name = "postroom", mixinStandardHelpOptions = true, scope = CommandLine.ScopeType.INHERIT, version = "Postroom 0.1.0",
        description = "A reactive mail engine: SMTP, submission, POP3, IMAP, outbound delivery, MultiPOP.",
        subcommands = {org.postroom.cli.StatusCommand.class, org.postroom.cli.ReloadCommand.class, Main.HashPassword.class,
                org.postroom.cli.QueueCommand.class, org.postroom.cli.HostsCommand.class})
public final class Main implements Callable<Integer> {

    @Option(names = "--config", paramLabel = "FILE", description = "Config file (default: conf/postroom.conf)")
    Path config;

    public static void main(String[] args) {
        int code = new CommandLine(new Main()).execute(args);
        if (code != 0) {
            System.exit(code);
        }
    }

    @Override
    public Integer call() {
        Engine engine;
        try {
            engine = Engine.start(ConfigLoader.load(config), () -> ConfigLoader.load(config));
        } catch (ConfigError e) {
            System.err.println("postroom: config error: " + e.getMessage());
            return 2;
        } catch (EngineStartException e) {
            System.err.println("postroom: " + e.getMessage());
            return 1;
        }
        installReloadOnHangup(engine);
        try {
            // SIGTERM runs Pekko's coordinated shutdown through its JVM shutdown hook.
            engine.awaitTermination();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    /** SIGHUP re-reads the config file, as mail daemons traditionally do. */
    @SuppressWarnings("restriction")
    private static void installReloadOnHangup(Engine engine) {
        org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Main.class);
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"), signal -> {
                // The JVM's signal thread has no context class loader; HOCON and Pekko look resources up there.
                Thread.currentThread().setContextClassLoader(Main.class.getClassLoader());
                try {
                    Engine.ReloadResult r = engine.reload();
                    log.info("SIGHUP: configuration reloaded{}", r.restartNeeded().isEmpty() ? ""
                            : "; needs a restart to change: " + String.join(", ", r.restartNeeded()));
                } catch (ConfigError e) {
                    log.error("SIGHUP: configuration not reloaded: {}", e.getMessage());
                } catch (RuntimeException e) {
                    log.error("SIGHUP: reload failed", e);
                }
            });
        } catch (IllegalArgumentException e) {
            log.warn("SIGHUP reload not available on this platform");
        }
    }



    /** The admin endpoint URL for {@code path}, from the config's {@code admin.bind} and {@code admin.port}. */
    public static URI adminUri(Settings settings, String path) {
        String host = settings.admin().bind().contains(":") ? "[" + settings.admin().bind() + "]" : settings.admin().bind();
        return URI.create("http://" + host + ":" + settings.admin().port() + path);
    }



    @Command(name = "hash-password", description = "Print a PBKDF2-SHA256 hash for accounts[].password-hash.")
    static final class HashPassword implements Callable<Integer> {
        @Parameters(arity = "0..1", paramLabel = "PASSWORD", description = "Read from the console when left out")
        String password;

        @Override
        public Integer call() {
            String pw = password;
            if (pw == null) {
                Console console = System.console();
                if (console != null) {
                    pw = new String(console.readPassword("Password: "));
                } else {
                    pw = new java.util.Scanner(System.in).nextLine();
                }
            }
            System.out.println(PasswordHash.hash(pw));
            return 0;
        }
    }


}
