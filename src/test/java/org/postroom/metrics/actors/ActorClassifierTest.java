package org.postroom.metrics.actors;

import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shipped rules (reference.conf) name every actor of the engine by its path. */
class ActorClassifierTest {
    private final ActorClassifier shipped = ActorClassifier.fromConfig(ConfigFactory.load());

    @Test
    void shippedRulesNameTheEngineActorsByTheirPaths() {
        assertEquals("EngineGuardian", shipped.classify("/user"));
        assertEquals("InboundGuardian", shipped.classify("/user/inbound-smtp"));
        assertEquals("InboundGuardian", shipped.classify("/user/inbound-imap"));
        assertEquals("smtp-session", shipped.classify("/user/inbound-smtp/smtp-1"));
        assertEquals("msa-session", shipped.classify("/user/inbound-msa/msa-17"));
        assertEquals("pop3-session", shipped.classify("/user/inbound-pop3/pop3-2"));
        assertEquals("imap-session", shipped.classify("/user/inbound-imap/imap-9"));
        assertEquals("QueueActor", shipped.classify("/user/outbound-queue"));
        assertEquals("OutboundRouter", shipped.classify("/user/outbound-router"));
        assertEquals("DeliveryActor", shipped.classify("/user/outbound-router/$a"));
        assertEquals("HostHealth", shipped.classify("/user/host-health"));
        assertEquals("MultiPopRouter", shipped.classify("/user/multipop"));
        assertEquals("MultiPopCollector", shipped.classify("/user/multipop/collector-3"));
        assertEquals("QueueActor", shipped.classify("/user/outbound/outbound-queue"), "nested under a module actor");
        assertEquals("pekko-stream", shipped.classify("/system/Materializers/StreamSupervisor-0/flow-1-0-ignoreSink"));
        assertEquals("pekko-io", shipped.classify("/system/IO-TCP/selectors/$a/0"));
        assertEquals("pekko-system", shipped.classify("/system/log1-Slf4jLogger"));
        assertEquals("pekko-system", shipped.classify("/"), "the root guardian");
    }

    @Test
    void anActorNoRuleNamesCountsAsOther() {
        assertEquals(ActorClassifier.OTHER, shipped.classify("/user/something-new"));
        assertEquals(ActorClassifier.OTHER, shipped.classify("/user/inbound-smtp/smtp-1/child"));
    }

    @Test
    void theFirstMatchingRuleWinsAndGroupsFillTheLabel() {
        ActorClassifier c = new ActorClassifier(List.of(
                new ActorClassifier.Rule(Pattern.compile("^/user/inbound-([a-z0-9]+)/[^/]+$"), "$1-session"),
                new ActorClassifier.Rule(Pattern.compile("^/user/.*$"), "user")));
        assertEquals("pop3-session", c.classify("/user/inbound-pop3/pop3-1"));
        assertEquals("user", c.classify("/user/inbound-pop3"));
        assertEquals(List.of("user"), List.copyOf(c.fixedLabels()), "a label with $1 is only known once seen");
    }

    @Test
    void everyFixedLabelOfTheShippedRulesIsKnownFromTheStart() {
        assertTrue(shipped.fixedLabels().containsAll(List.of("EngineGuardian", "InboundGuardian", "smtp-session",
                "msa-session", "pop3-session", "imap-session", "QueueActor", "OutboundRouter", "DeliveryActor",
                "HostHealth", "MultiPopRouter", "MultiPopCollector", "MailStore")), shipped.fixedLabels().toString());
    }

    @Test
    void aRuleWithoutLabelIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new ActorClassifier.Rule(Pattern.compile("x"), " "));
    }
}
