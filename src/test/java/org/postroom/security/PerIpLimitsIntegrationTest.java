package org.postroom.security;

import org.junit.jupiter.api.Test;
import org.postroom.testsupport.TestEngine;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Per-IP limits over real sockets. Tests run on 127.0.0.1, a reserved address, so they switch on
 * {@code reserved-ips-use-connection-limit}; without it loopback is exempt.
 */
class PerIpLimitsIntegrationTest {

    private static final String LIMITED = """
            inbound.reserved-ips-use-connection-limit = true
            inbound.smtp.max-sessions-per-ip = 2
            inbound.pop3.max-sessions-per-ip = 2
            """;

    @Test
    void oneSessionTooManyFromOneAddressShouldGetServerTooBusyOnSmtpAndPop3() throws Exception {
        try (TestEngine engine = TestEngine.start(LIMITED)) {
            checkLimit(engine, "smtp", "220 ", "421 4.3.2 mail.example.test Server Too Busy", "QUIT", "221");
            checkLimit(engine, "pop3", "+OK", "-ERR Server Too Busy", "QUIT", "+OK");
        }
    }

    private static void checkLimit(TestEngine engine, String kind, String greeting, String tooBusy, String quit,
                                   String bye) throws Exception {
        int port = engine.port(kind);
        List<Wire> open = new ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) {
                Wire w = Wire.plain(port);
                assertTrue(w.line().startsWith(greeting), kind);
                open.add(w);
            }
            long refusedBefore = engine.metrics().sessions(kind).refusedCount();
            try (Wire third = Wire.plain(port)) {
                assertEquals(tooBusy, third.line(), kind);
                assertTrue(third.closedByServer(), kind);
            }
            assertEquals(refusedBefore + 1, engine.metrics().sessions(kind).refusedCount(), kind);
            // A session that ends frees its address's slot.
            open.get(0).send(quit + "\r\n");
            assertTrue(open.get(0).line().startsWith(bye), kind);
            await().atMost(Duration.ofSeconds(10)).until(() -> engine.metrics().sessions(kind).active() == 1);
            Wire again = Wire.plain(port);
            open.add(again);
            assertTrue(again.line().startsWith(greeting), kind);
        } finally {
            for (Wire w : open) {
                w.close();
            }
        }
    }

    @Test
    void loopbackShouldBeExemptUnlessReservedAddressesUseTheLimit() throws Exception {
        try (TestEngine engine = TestEngine.start("inbound.smtp.max-sessions-per-ip = 1")) {
            List<Wire> open = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    Wire w = Wire.plain(engine.port("smtp"));
                    open.add(w);
                    assertTrue(w.line().startsWith("220 "));
                }
            } finally {
                for (Wire w : open) {
                    w.close();
                }
            }
        }
    }

    @Test
    void trustedAddressesShouldBeExemptUnlessTrustedUseTheLimit() throws Exception {
        try (TestEngine engine = TestEngine.start("""
                inbound.reserved-ips-use-connection-limit = true
                inbound.trusted-ips = ["127.0.0.0/8"]
                inbound.pop3.max-sessions-per-ip = 1
                """)) {
            try (Wire a = Wire.plain(engine.port("pop3")); Wire b = Wire.plain(engine.port("pop3"))) {
                assertTrue(a.line().startsWith("+OK"));
                assertTrue(b.line().startsWith("+OK"), "trusted: not limited");
            }
        }
    }

    @Test
    void connectionsPerMinuteFromOneAddressShouldBeLimited() throws Exception {
        try (TestEngine engine = TestEngine.start("""
                inbound.reserved-ips-use-connection-limit = true
                inbound.pop3.max-connections-per-minute-per-ip = 3
                """)) {
            int port = engine.port("pop3");
            for (int i = 0; i < 3; i++) {
                try (Wire w = Wire.plain(port)) {
                    assertTrue(w.line().startsWith("+OK"));
                    assertTrue(w.pop("QUIT").startsWith("+OK"));
                }
            }
            try (Wire fourth = Wire.plain(port)) {
                assertEquals("-ERR Server Too Busy", fourth.line());
                assertTrue(fourth.closedByServer());
            }
            // Other listeners keep their own count.
            try (Wire smtp = Wire.plain(engine.port("smtp"))) {
                assertTrue(smtp.line().startsWith("220 "));
            }
        }
    }

    @Test
    void reloadShouldApplyNewPerIpLimitsWithoutDroppingSessions() throws Exception {
        try (TestEngine engine = TestEngine.start(LIMITED.replace("smtp.max-sessions-per-ip = 2",
                "smtp.max-sessions-per-ip = 1"))) {
            int port = engine.port("smtp");
            try (Wire first = Wire.plain(port)) {
                assertTrue(first.line().startsWith("220 "));
                try (Wire second = Wire.plain(port)) {
                    assertEquals("421 4.3.2 mail.example.test Server Too Busy", second.line());
                }
                engine.reload(LIMITED.replace("smtp.max-sessions-per-ip = 2", "smtp.max-sessions-per-ip = 3"));
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                    try (Wire second = Wire.plain(port)) {
                        assertTrue(second.line().startsWith("220 "));
                    }
                });
                assertTrue(first.command("NOOP").startsWith("250"), "the open session survived the reload");
            }
        }
    }
}
