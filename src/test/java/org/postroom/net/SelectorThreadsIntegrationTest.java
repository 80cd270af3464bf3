package org.postroom.net;

import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.Test;
import org.postroom.security.Wire;
import org.postroom.testsupport.TestEngine;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Several selector threads: sessions spread over them all work, and changing the count needs a restart. */
class SelectorThreadsIntegrationTest {

    @Test
    void theCountShouldDefaultToOnePerCoreAndFollowTheSetting() {
        assertEquals(Runtime.getRuntime().availableProcessors(), NioTransport.threads(ConfigFactory.empty()));
        assertEquals(Runtime.getRuntime().availableProcessors(),
                NioTransport.threads(ConfigFactory.parseString("postroom.inbound.selector-threads = 0")));
        assertEquals(3, NioTransport.threads(ConfigFactory.parseString("postroom.inbound.selector-threads = 3")));
    }

    @Test
    void sessionsOnEverySelectorShouldBeServedAndAReloadShouldSayTheCountNeedsARestart() throws Exception {
        try (TestEngine engine = TestEngine.start("inbound.selector-threads = 3")) {
            int port = engine.port("smtp");
            List<Wire> open = new ArrayList<>();
            try {
                // Seven sessions at once over three selectors: each gets its greeting and its replies,
                // interleaved with the others'.
                for (int i = 0; i < 7; i++) {
                    Wire w = Wire.plain(port);
                    open.add(w);
                    assertTrue(w.line().startsWith("220 "));
                }
                for (int round = 0; round < 3; round++) {
                    for (Wire w : open) {
                        assertTrue(w.command("NOOP").startsWith("250"));
                    }
                }
            } finally {
                for (Wire w : open) {
                    w.close();
                }
            }
            var result = engine.reload("inbound.selector-threads = 2");
            assertTrue(result.restartNeeded().contains("inbound.selector-threads"), result.restartNeeded().toString());
            var same = engine.reload("inbound.selector-threads = 3");
            assertTrue(!same.restartNeeded().contains("inbound.selector-threads"), same.restartNeeded().toString());
        }
    }
}
