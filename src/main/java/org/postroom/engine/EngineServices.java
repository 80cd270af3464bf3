package org.postroom.engine;

import org.apache.pekko.actor.typed.ActorSystem;
import org.postroom.auth.Accounts;
import org.postroom.config.Settings;
import org.postroom.metrics.Metrics;
import org.postroom.queue.OutboundSpool;
import org.postroom.store.MaildirStore;

import java.util.concurrent.Executor;

/**
 * The shared, thread-safe services every part of the engine is built with: settings, accounts, the
 * Maildir store, the outbound spool, metrics, and the executor for blocking work.
 */
public record EngineServices(
        Settings settings,
        Accounts accounts,
        MaildirStore store,
        OutboundSpool spool,
        Metrics metrics,
        ActorSystem<?> system,
        Executor blocking) {}
