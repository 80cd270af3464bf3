package org.postroom.engine;

import com.typesafe.config.Config;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.postroom.admin.AdminServer;
import org.postroom.config.Settings;
import org.postroom.metrics.Metrics;
import org.postroom.queue.OutboundSpool;
import org.postroom.store.DeliveryJournal;
import org.postroom.tls.ServerTls;
import org.postroom.tls.TlsSettings;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A running Postroom: the actor system with its {@link EngineGuardian}, and the admin HTTP endpoint.
 * {@link #start} returns once every listener is bound (or throws {@link EngineStartException} with one
 * line for the operator); {@link #close} runs Pekko's coordinated shutdown, which unbinds the listeners,
 * says goodbye to open sessions and stops the rest.
 */
public final class Engine implements AutoCloseable {
    private final ActorSystem<EngineGuardian.Command> system;
    private final EngineGuardian.Started started;
    private final AdminServer admin;
    private volatile Settings settings;

    private final java.util.function.Supplier<Config> reloadSource;

    private Engine(ActorSystem<EngineGuardian.Command> system, EngineGuardian.Started started, AdminServer admin,
                   java.util.function.Supplier<Config> reloadSource) {
        this.system = system;
        this.reloadSource = reloadSource;
        this.started = started;
        this.admin = admin;
        this.settings = started.services().settings();
    }

    /** Starts the engine on a resolved root config (the {@code postroom} and {@code pekko} trees). */
    public static Engine start(Config root) {
        return start(root, () -> root);
    }

    /**
     * Starts the engine; {@code reloadSource} re-reads the configuration for {@link #reload()} (admin
     * {@code POST /reload}, SIGHUP, {@code postroom reload}).
     */
    public static Engine start(Config root, java.util.function.Supplier<Config> reloadSource) {
        Settings settings = Settings.from(root);
        org.postroom.multipop.MultiPopOptions.from(root);
        try {
            Files.createDirectories(settings.dataDir().resolve("mail"));
            Files.createDirectories(settings.dataDir().resolve("spool"));
        } catch (IOException e) {
            throw new EngineStartException("data-dir: cannot create " + settings.dataDir().toAbsolutePath()
                    + ": " + e.getMessage(), e);
        }
        Metrics metrics = new Metrics();
        // Every *_limit series shows the configured value from the start, whether or not a part is running.
        settings.inbound().listeners().forEach(l -> metrics.sessions(l.kind()).setLimit(l.maxSessions()));
        metrics.sessions("smtp-out").setLimit(settings.outbound().maxSessions());
        metrics.sessions("multipop").setLimit(settings.multipop().maxSessions());
        OutboundSpool spool = OutboundWiring.spool(settings, metrics);
        ServerTls tls = loadTls(root, settings);
        DeliveryJournal journal = openJournal(root, settings);
        if (journal != null) {
            metrics.bind(journal::bindMetrics);
        }
        Duration grace = new org.postroom.config.ConfigReader(root.getConfig("postroom"), "").duration("shutdown-grace");
        // The session phase of Pekko's coordinated shutdown must outlast the grace it waits for.
        root = root.withValue("pekko.coordinated-shutdown.phases.service-requests-done.timeout",
                com.typesafe.config.ConfigValueFactory.fromAnyRef((grace.toMillis() + 3000) + " ms"));
        CompletableFuture<EngineGuardian.Started> started = new CompletableFuture<>();
        ActorSystem<EngineGuardian.Command> system = ActorSystem.create(
                EngineGuardian.create(settings, metrics, spool, journal, tls, grace, started), "postroom",
                org.postroom.metrics.actors.ActorMetrics.systemConfig(root));
        org.postroom.metrics.actors.ActorMetrics.install(system, metrics);
        if (journal != null) {
            // After the sessions are gone: a clean stop leaves nothing to replay.
            CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate(),
                    "close-journal", () -> {
                        closeJournal(journal);
                        return CompletableFuture.completedFuture(Done.getInstance());
                    });
            system.getWhenTerminated().thenRun(() -> closeJournal(journal));
        }
        try {
            EngineGuardian.Started s = started.get(30, TimeUnit.SECONDS);
            AdminServer admin = null;
            if (settings.admin().enabled()) {
                admin = AdminServer.start(settings.admin(), s.services());
                AdminServer server = admin;
                CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseServiceUnbind(), "stop-admin",
                        () -> {
                            server.stop();
                            return CompletableFuture.completedFuture(Done.getInstance());
                        });
            }
            Engine engine = new Engine(system, s, admin, reloadSource);
            if (admin != null) {
                admin.onReload(() -> engine.reload().toJson());
                if (s.outbound() != null) {
                    new org.postroom.admin.QueueRoutes(s.outbound().queue(), s.outbound().hostHealth(),
                            system.scheduler(), Duration.ofSeconds(5)).install(admin);
                }
                admin.onAction("/multipop/run", () -> {
                    s.runMultiPop().run();
                    return Map.of("started", true);
                });
            }
            return engine;
        } catch (ExecutionException e) {
            terminate(system);
            Throwable cause = e.getCause();
            if (cause instanceof EngineStartException ese) {
                throw ese;
            }
            throw new EngineStartException("engine failed to start: " + cause, cause);
        } catch (IOException e) {
            terminate(system);
            throw new EngineStartException("admin: cannot listen on " + settings.admin().bind() + ":"
                    + settings.admin().port() + ": " + e.getMessage(), e);
        } catch (TimeoutException | InterruptedException e) {
            terminate(system);
            throw new EngineStartException("engine did not start within 30 seconds", e);
        }
    }

    private static DeliveryJournal openJournal(Config root, Settings settings) {
        DeliveryJournal.Options options = DeliveryJournal.Options.from(root);
        if (!options.enabled()) {
            return null;
        }
        try {
            return DeliveryJournal.open(settings.dataDir().resolve("journal"), settings.dataDir().resolve("mail"),
                    options);
        } catch (IOException e) {
            throw new EngineStartException("store.journal: cannot open or replay "
                    + settings.dataDir().resolve("journal").toAbsolutePath() + ": " + e.getMessage(), e);
        }
    }

    private static void closeJournal(DeliveryJournal journal) {
        try {
            journal.close();
        } catch (IOException e) {
            org.slf4j.LoggerFactory.getLogger(Engine.class).error("journal: final checkpoint failed ({}); "
                    + "the next start replays it", e.toString());
        }
    }

    private static ServerTls loadTls(Config root, Settings settings) {
        TlsSettings tlsSettings = TlsSettings.from(root);
        if (!tlsSettings.configured()) {
            return null;
        }
        try {
            return ServerTls.load(tlsSettings, settings.dataDir(), settings.hostname());
        } catch (IOException | java.security.GeneralSecurityException e) {
            throw new EngineStartException("tls: cannot load the server certificate: " + e.getMessage(), e);
        }
    }

    private static void terminate(ActorSystem<?> system) {
        system.terminate();
        try {
            system.getWhenTerminated().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // Already failing; the caller reports the original problem.
        }
    }

    /** The outbound queue and host-health actors (operator control), or null without a file spool. */
    public EngineGuardian.Outbound outbound() {
        return started.outbound();
    }

    public EngineServices services() {
        return started.services();
    }

    public ActorSystem<EngineGuardian.Command> system() {
        return system;
    }

    /** Where the listener of {@code kind} is bound; null when it is disabled. */
    public InetSocketAddress address(String kind) {
        return started.listeners().get(kind);
    }

    public Map<String, InetSocketAddress> listeners() {
        return started.listeners();
    }

    public InetSocketAddress adminAddress() {
        return admin == null ? null : admin.address();
    }

    /**
     * Re-reads the configuration and applies every session limit to the running engine. A config that
     * does not validate changes nothing: the {@link org.postroom.config.ConfigError} says why. Settings
     * that need a restart (ports, data dir, hostname, accounts, selector threads) are listed in the result.
     */
    public synchronized ReloadResult reload(Config root) {
        Settings next = Settings.from(root);
        Settings current = settings;
        java.util.List<String> restartNeeded = new java.util.ArrayList<>();
        if (!next.hostname().equals(current.hostname())) {
            restartNeeded.add("hostname");
        }
        if (!next.dataDir().equals(current.dataDir())) {
            restartNeeded.add("data-dir");
        }
        if (!next.accounts().equals(current.accounts()) || !next.localDomains().equals(current.localDomains())) {
            restartNeeded.add("accounts/local-domains");
        }
        for (int i = 0; i < next.inbound().listeners().size(); i++) {
            var a = current.inbound().listeners().get(i);
            var b = next.inbound().listeners().get(i);
            if (a.port() != b.port() || !a.bind().equals(b.bind()) || a.enabled() != b.enabled()) {
                restartNeeded.add("inbound." + a.kind() + " (bind/port/enabled)");
            }
        }
        if (org.postroom.net.NioTransport.threads(root) != org.postroom.net.NioTransport.threads(system.settings().config())) {
            restartNeeded.add("inbound.selector-threads");
        }
        try {
            AskPattern.<EngineGuardian.Command, Done>ask(system, r -> new EngineGuardian.ApplySettings(next, r),
                    Duration.ofSeconds(10), system.scheduler()).toCompletableFuture().get(15, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("engine did not apply the new settings: " + e, e);
        }
        settings = next;
        return new ReloadResult(next, restartNeeded);
    }

    /** Re-reads the configuration from where it came from and applies it. */
    public ReloadResult reload() {
        return reload(reloadSource.get());
    }

    /** What a reload applied, and which changed settings only take effect after a restart. */
    public record ReloadResult(Settings applied, java.util.List<String> restartNeeded) {
        public Map<String, Object> toJson() {
            Map<String, Object> limits = new java.util.LinkedHashMap<>();
            applied.inbound().listeners().forEach(l -> limits.put(l.kind(), l.maxSessions()));
            limits.put("smtp-out", applied.outbound().maxSessions());
            limits.put("multipop", applied.multipop().maxSessions());
            Map<String, Object> doc = new java.util.LinkedHashMap<>();
            doc.put("reloaded", true);
            doc.put("limits", limits);
            doc.put("restartNeeded", restartNeeded);
            return doc;
        }
    }

    public Settings settings() {
        return settings;
    }

    /** Stops the engine: listeners closed, sessions told, actors stopped. Blocks until done. */
    @Override
    public void close() {
        CoordinatedShutdown.get(system).run(CoordinatedShutdown.unknownReason());
        try {
            system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("engine did not stop in time", e);
        }
    }

    public void awaitTermination() throws InterruptedException {
        try {
            system.getWhenTerminated().toCompletableFuture().get();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }

}
