package org.postroom.metrics.actors;

import com.typesafe.config.Config;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.dispatch.MailboxType;
import org.apache.pekko.dispatch.MessageQueue;
import org.apache.pekko.dispatch.ProducesMessageQueue;
import org.apache.pekko.dispatch.UnboundedMailbox;
import scala.Option;

/**
 * A mailbox type that counts, per actor kind, live actors, processed messages and mailbox depth, around
 * the mailbox type named by {@code delegate-mailbox-type} in its section (Pekko's unbounded queue when
 * absent). {@link ActorMetrics#systemConfig} sets it as {@code pekko.actor.typed.default-mailbox} (around
 * Pekko's single-consumer queue, the typed default) and {@code pekko.actor.default-mailbox} (classic
 * actors: streams, Pekko's own). Pekko makes one instance per system and mailbox section and calls
 * {@link #create} once per actor; the actor's kind comes from its path through
 * {@link ActorClassifier} ({@code postroom.actor-metrics.kinds}). Actors that require another queue type
 * (some of Pekko's own I/O actors) get their own mailbox and are not counted.
 */
public final class InstrumentedMailbox implements MailboxType, ProducesMessageQueue<InstrumentedMessageQueue> {
    private final MailboxType delegate;
    private final ActorClassifier classifier;
    private volatile ActorStats stats;

    /** Called by Pekko with the system's settings and this mailbox's config section. */
    public InstrumentedMailbox(ActorSystem.Settings settings, Config config) {
        this.classifier = ActorClassifier.fromConfig(settings.config());
        this.delegate = delegate(settings, config);
    }

    private static MailboxType delegate(ActorSystem.Settings settings, Config config) {
        String type = config.hasPath("delegate-mailbox-type") ? config.getString("delegate-mailbox-type") : "";
        if (type.isBlank() || type.equals(UnboundedMailbox.class.getName())) {
            return new UnboundedMailbox();
        }
        if (type.equals(InstrumentedMailbox.class.getName())) {
            throw new IllegalArgumentException("delegate-mailbox-type must not be " + type);
        }
        try {
            return (MailboxType) Class.forName(type).getConstructor(ActorSystem.Settings.class, Config.class)
                    .newInstance(settings, config);
        } catch (ReflectiveOperationException | ClassCastException e) {
            throw new IllegalArgumentException("delegate-mailbox-type " + type + ": cannot create it: " + e, e);
        }
    }

    @Override
    public MessageQueue create(Option<ActorRef> owner, Option<ActorSystem> system) {
        MessageQueue inner = delegate.create(owner, system);
        if (system.isEmpty()) {
            return inner;
        }
        ActorStats s = stats;
        if (s == null) {
            s = ActorStats.of(system.get());
            stats = s;
        }
        String kind = owner.isDefined() ? classifier.classify(owner.get().path().toStringWithoutAddress()) : "shared";
        return new InstrumentedMessageQueue(inner, s.kind(kind));
    }
}
