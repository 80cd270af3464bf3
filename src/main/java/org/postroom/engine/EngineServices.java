package org.postroom.engine;

import org.apache.pekko.actor.typed.ActorSystem;
import org.postroom.auth.Accounts;
import org.postroom.auth.AuthThrottle;
import org.postroom.config.Settings;
import org.postroom.metrics.Metrics;
import org.postroom.queue.OutboundSpool;
import org.postroom.store.MaildirStore;
import org.postroom.tls.ServerTls;

import java.util.concurrent.Executor;

/**
 * The shared, thread-safe services every part of the engine is built with: settings, accounts, the
 * Maildir store, the outbound spool, metrics, the executor for blocking work, and the server TLS
 * context ({@code null} when TLS is off), and the failed-login throttle every protocol consults.
 * {@code settings} are those the engine started with; {@code live} follows reloads (new sessions read it).
 */
public record EngineServices(
        Settings settings,
        Accounts accounts,
        MaildirStore store,
        OutboundSpool spool,
        Metrics metrics,
        ActorSystem<?> system,
        Executor blocking,
        ServerTls tls,
        AuthThrottle authThrottle,
        org.postroom.config.LiveSettings live) {

    public EngineServices(Settings settings, Accounts accounts, MaildirStore store, OutboundSpool spool,
                          Metrics metrics, ActorSystem<?> system, Executor blocking, ServerTls tls,
                          AuthThrottle authThrottle) {
        this(settings, accounts, store, spool, metrics, system, blocking, tls, authThrottle,
                new org.postroom.config.LiveSettings(settings));
    }

    /** Services with the auth throttle built from {@code settings} ({@code inbound.auth.*}). */
    public EngineServices(Settings settings, Accounts accounts, MaildirStore store, OutboundSpool spool,
                          Metrics metrics, ActorSystem<?> system, Executor blocking, ServerTls tls) {
        this(settings, accounts, store, spool, metrics, system, blocking, tls,
                new AuthThrottle(AuthThrottle.Limits.of(settings), java.time.Clock.systemUTC(), accounts::resolve));
    }

    /** Services without TLS (STARTTLS not offered). */
    public EngineServices(Settings settings, Accounts accounts, MaildirStore store, OutboundSpool spool,
                          Metrics metrics, ActorSystem<?> system, Executor blocking) {
        this(settings, accounts, store, spool, metrics, system, blocking, null);
    }
}
