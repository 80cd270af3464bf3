package org.postroom.engine;

import com.typesafe.config.Config;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.postroom.admin.AdminServer;
import org.postroom.config.Settings;
import org.postroom.metrics.Metrics;
import org.postroom.queue.OutboundSpool;

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

    private Engine(ActorSystem<EngineGuardian.Command> system, EngineGuardian.Started started, AdminServer admin) {
        this.system = system;
        this.started = started;
        this.admin = admin;
    }

    /** Starts the engine on a resolved root config (the {@code postroom} and {@code pekko} trees). */
    public static Engine start(Config root) {
        Settings settings = Settings.from(root);
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
        CompletableFuture<EngineGuardian.Started> started = new CompletableFuture<>();
        ActorSystem<EngineGuardian.Command> system = ActorSystem.create(
                EngineGuardian.create(settings, metrics, spool, started), "postroom", root);
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
            return new Engine(system, s, admin);
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

    private static void terminate(ActorSystem<?> system) {
        system.terminate();
        try {
            system.getWhenTerminated().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // Already failing; the caller reports the original problem.
        }
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

    static Duration shutdownGrace() {
        return EngineGuardian.SHUTDOWN_GRACE;
    }
}
