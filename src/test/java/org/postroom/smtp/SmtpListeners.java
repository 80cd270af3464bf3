package org.postroom.smtp;

import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.postroom.config.Settings;
import org.postroom.inbound.InboundGuardian;
import org.postroom.inbound.InboundProtocol;
import org.postroom.testsupport.TestEngine;

import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Listeners for the SMTP integration tests. {@link #port} uses the engine's own listener when the
 * engine runs this protocol (once it is registered in {@code InboundProtocols}); until then, and for
 * variants with a test acceptor ({@link #listen}), it starts an {@link InboundGuardian} with the
 * protocol on the engine's actor system and services, exactly as the engine guardian does, with the
 * configured {@code max-sessions} of its kind and an ephemeral port.
 */
public final class SmtpListeners {
    private static final AtomicInteger SEQ = new AtomicInteger();

    private SmtpListeners() {
    }

    public static int port(TestEngine engine, String kind) {
        if (engine.engine().address(kind) != null) {
            return engine.port(kind);
        }
        return listen(engine, kind.equals("msa") ? SmtpProtocol.msa() : SmtpProtocol.smtp()).getPort();
    }

    /** Binds {@code protocol} on 127.0.0.1, an ephemeral port, under a guardian of its own. */
    public static InetSocketAddress listen(TestEngine engine, InboundProtocol protocol) {
        ActorSystem<?> system = engine.system();
        CompletableFuture<InboundGuardian.BindResult> result = new CompletableFuture<>();
        var reports = system.systemActorOf(Behaviors.<InboundGuardian.BindResult>receiveMessage(r -> {
            result.complete(r);
            return Behaviors.stopped();
        }), "smtp-test-bind-" + SEQ.incrementAndGet(), Props.empty());
        int limit = engine.services().settings().inbound().listeners().stream()
                .filter(l -> l.kind().equals(protocol.kind())).findFirst().orElseThrow().maxSessions();
        var ephemeral = new Settings.ListenerSettings(protocol.kind(), true, "127.0.0.1", 0, limit);
        system.systemActorOf(InboundGuardian.create(protocol, ephemeral, engine.services(), reports),
                "smtp-test-listener-" + SEQ.incrementAndGet(), Props.empty());
        try {
            InboundGuardian.BindResult r = result.get(10, TimeUnit.SECONDS);
            if (r instanceof InboundGuardian.Bound bound) {
                return bound.address();
            }
            throw new IllegalStateException("could not bind: " + r);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
