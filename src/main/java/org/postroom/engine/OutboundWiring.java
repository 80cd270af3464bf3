package org.postroom.engine;

import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.postroom.config.Settings;
import org.postroom.delivery.OutboundModule;
import org.postroom.metrics.Metrics;
import org.postroom.queue.FileSpool;
import org.postroom.queue.OutboundSpool;

import java.io.IOException;
import java.util.function.Consumer;

/**
 * Where the engine gets its outbound spool and starts outbound delivery: the durable
 * {@link FileSpool} under {@code data-dir/spool} is made before the actor system (SMTP/MSA write to
 * it through {@link EngineServices#spool()}), then {@link #start} spawns the queue, host-health and
 * router actors under the engine guardian; mail spooled before that is picked up from disk.
 */
final class OutboundWiring {
    private OutboundWiring() {
    }

    static OutboundSpool spool(Settings settings, Metrics metrics) {
        try {
            return FileSpool.inDataDir(settings.dataDir());
        } catch (IOException e) {
            throw new EngineStartException("data-dir: cannot open the outbound spool: " + e.getMessage(), e);
        }
    }

    /** Starts outbound delivery; returns what takes new settings on reload. */
    static Consumer<Settings> start(ActorContext<?> ctx, EngineServices services) {
        OutboundModule module = startModule(ctx, services);
        return module == null ? s -> { } : module::reload;
    }

    /** Starts outbound delivery; the running module (its actor refs, its reload), or null without a file spool. */
    static OutboundModule startModule(ActorContext<?> ctx, EngineServices services) {
        if (!(services.spool() instanceof FileSpool)) {
            return null;
        }
        return OutboundModule.start(ctx, services);
    }
}
