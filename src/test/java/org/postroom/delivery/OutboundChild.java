package org.postroom.delivery;

import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.postroom.auth.Accounts;
import org.postroom.config.Settings;
import org.postroom.metrics.Metrics;
import org.postroom.queue.FileSpool;
import org.postroom.queue.TestSettings;
import org.postroom.store.MaildirStore;

import java.nio.file.Path;
import java.time.Clock;

/**
 * The outbound actors in a JVM of their own, for the kill -9 test: {@code dataDir dnsServer port}.
 * Delivers the spool of the data dir until it is killed.
 */
public final class OutboundChild {
    private OutboundChild() {
    }

    public static void main(String[] args) throws Exception {
        Path dataDir = Path.of(args[0]);
        Settings settings = TestSettings.of(dataDir, "outbound { dns.servers = [\"" + args[1] + "\"]\n remote-port = "
                + args[2] + "\n max-sessions = 5 }");
        FileSpool spool = new FileSpool(dataDir.resolve("spool"));
        MaildirStore store = new MaildirStore(dataDir.resolve("mail"), settings.hostname());
        Behavior<Void> root = Behaviors.setup(ctx -> {
            OutboundModule.start(ctx, settings, spool, store, new Accounts(settings.accounts()), new Metrics(),
                    Clock.systemUTC());
            return Behaviors.empty();
        });
        ActorSystem.create(root, "outbound-child");
        System.out.println("outbound child started");
    }
}
