package org.postroom.engine;

import org.postroom.config.Settings;
import org.postroom.metrics.Metrics;
import org.postroom.queue.OutboundSpool;

import java.io.IOException;

/**
 * Where the engine gets its outbound spool. Until outbound delivery is wired in, remote recipients are
 * refused at acceptance with a temporary error rather than accepted and never delivered.
 */
final class OutboundWiring {
    private OutboundWiring() {
    }

    static OutboundSpool spool(Settings settings, Metrics metrics) {
        return (sender, recipients, message) -> {
            throw new IOException("outbound delivery is not available in this build");
        };
    }
}
