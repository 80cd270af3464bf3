package org.postroom.metrics.actors;

import org.apache.pekko.actor.ActorSystem;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The actor figures of one actor system, per kind. The {@link InstrumentedMailbox} of a system finds
 * them through {@link #of(ActorSystem)} (Pekko creates mailbox types by reflection, so there is no
 * other way in); {@link ActorMetrics} publishes them. A new kind is announced to the listener, so its
 * meters can be registered when it first appears.
 */
public final class ActorStats {
    private static final Map<ActorSystem, ActorStats> BY_SYSTEM = Collections.synchronizedMap(new WeakHashMap<>());

    private final ConcurrentHashMap<String, ActorKindStats> kinds = new ConcurrentHashMap<>();
    private volatile Consumer<ActorKindStats> onNewKind = k -> { };

    public static ActorStats of(ActorSystem system) {
        return BY_SYSTEM.computeIfAbsent(system, s -> new ActorStats());
    }

    public ActorKindStats kind(String kind) {
        ActorKindStats existing = kinds.get(kind);
        if (existing != null) {
            return existing;
        }
        boolean[] created = {false};
        ActorKindStats stats = kinds.computeIfAbsent(kind, k -> {
            created[0] = true;
            return new ActorKindStats(k);
        });
        if (created[0]) {
            onNewKind.accept(stats);
        }
        return stats;
    }

    /** Calls {@code listener} for every kind known now and every kind that appears later. */
    public synchronized void onKind(Consumer<ActorKindStats> listener) {
        onNewKind = listener;
        kinds.values().forEach(listener);
    }

    public Set<String> kinds() {
        return kinds.keySet();
    }

    /** {@code {kind: {live, started, messages, mailboxDepth}}}, sorted by kind, for {@code /status}. */
    public Map<String, Object> snapshot() {
        Map<String, Object> out = new TreeMap<>();
        kinds.forEach((name, k) -> {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("live", k.live());
            row.put("started", k.started());
            row.put("messages", k.processed());
            row.put("mailboxDepth", k.mailboxDepth());
            out.put(name, row);
        });
        return out;
    }
}
