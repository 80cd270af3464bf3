package org.postroom.delivery;

import org.apache.pekko.actor.typed.ActorRef;
import org.postroom.config.Settings;
import org.postroom.dns.MxResolver;
import org.postroom.hosthealth.HostHealth;
import org.postroom.queue.FileSpool;
import org.postroom.queue.QueueActor;

import java.util.concurrent.Executor;

/**
 * What a {@link DeliveryActor} works with: settings, the queue and host-health actors, the MX
 * resolver, the spool (to read bodies), and the executor for blocking socket and file I/O.
 */
public record DeliveryDeps(
        String heloName,
        Settings.OutboundSettings outbound,
        ActorRef<QueueActor.Command> queue,
        ActorRef<HostHealth.Command> hostHealth,
        MxResolver resolver,
        FileSpool spool,
        Executor io) {

    public DeliveryDeps withOutbound(Settings.OutboundSettings o) {
        return new DeliveryDeps(heloName, o, queue, hostHealth, resolver, spool, io);
    }
}
