package org.postroom.pop3;

import org.junit.jupiter.api.Test;
import org.postroom.metrics.SessionCounters;
import org.postroom.testsupport.TestEngine;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code inbound.pop3.max-sessions} over real sockets: one connection over the limit reads
 * "-ERR Server Too Busy" and is closed, and a slot freed by a QUIT or by an abrupt reset admits the
 * next client. Counts are read from the metrics the guardian keeps.
 */
class Pop3ServerTooBusyIntegrationTest {

    private static String readLine(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                return b.toString();
            }
            b.append((char) c);
        }
        return b.length() == 0 ? null : b.toString();
    }

    private static Socket open(int port) throws IOException {
        Socket s = new Socket("127.0.0.1", port);
        s.setSoTimeout(10_000);
        return s;
    }

    private static void assertAdmitted(Socket s) throws IOException {
        String greeting = readLine(s.getInputStream());
        assertTrue(greeting != null && greeting.startsWith("+OK "), String.valueOf(greeting));
    }

    private static void assertRefused(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        assertEquals("-ERR Server Too Busy\r", readLine(in));
        assertEquals(-1, in.read(), "closed after the refusal");
    }

    @Test
    void theConnectionOverTheLimitShouldBeRefusedAndAFreedSlotReused() throws Exception {
        try (TestEngine engine = TestEngine.start("inbound.pop3.max-sessions = 2")) {
            int port = engine.port("pop3");
            SessionCounters pop3 = engine.metrics().sessions("pop3");
            Socket a = open(port);
            Socket b = open(port);
            try {
                assertAdmitted(a);
                assertAdmitted(b);
                assertEquals(2, pop3.active());

                try (Socket c = open(port)) {
                    assertRefused(c);
                }
                assertEquals(1, pop3.refusedCount());
                // Timed from accept to the refusal written and closed, so recorded just after the client
                // saw the close; admissions do not count there.
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> engine.metrics().refusalWait("pop3").count() == 1);
                assertEquals(3, engine.metrics().admissionWait("pop3").count());

                // An orderly end: QUIT frees a slot.
                a.getOutputStream().write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
                assertTrue(readLine(a.getInputStream()).startsWith("+OK"));
                await().atMost(Duration.ofSeconds(10)).until(() -> pop3.active() == 1);
                a.close();
                a = open(port);
                assertAdmitted(a);

                // An abrupt end: a TCP reset frees a slot too, counted out exactly once.
                b.setSoLinger(true, 0);
                b.close();
                await().atMost(Duration.ofSeconds(10)).until(() -> pop3.active() == 1);
                b = open(port);
                assertAdmitted(b);
                assertEquals(2, pop3.active());

                try (Socket c = open(port)) {
                    assertRefused(c);
                }
                assertEquals(2, pop3.refusedCount());
                assertEquals(4, pop3.accepted());
            } finally {
                a.close();
                b.close();
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> pop3.active() == 0);
            assertEquals(2, pop3.peak());
        }
    }
}
