package org.postroom.engine;

import org.apache.pekko.actor.typed.ActorSystem;
import org.postroom.auth.Accounts;
import org.postroom.config.Settings;
import org.postroom.metrics.Metrics;
import org.postroom.queue.OutboundSpool;
import org.postroom.store.MaildirStore;
import org.postroom.tls.ServerTls;

import java.util.concurrent.Executor;

/**
 * The shared, thread-safe services every part of the engine is built with: settings, accounts, the
 * Maildir store, the outbound spool, metrics, the executor for blocking work, and the server TLS
 * context ({@code null} when TLS is off).
 */
public record EngineServices(
        Settings settings,
        Accounts accounts,
        MaildirStore store,
        OutboundSpool spool,
        Metrics metrics,
        ActorSystem<?> system,
        Executor blocking,
        ServerTls tls) {

    /** Services without TLS (STARTTLS not offered). */
    public EngineServices(Settings settings, Accounts accounts, MaildirStore store, OutboundSpool spool,
                          Metrics metrics, ActorSystem<?> system, Executor blocking) {
        this(settings, accounts, store, spool, metrics, system, blocking, null);
    }
}
