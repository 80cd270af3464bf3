package org.postroom.imap;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.postroom.metrics.SessionCounters;
import org.postroom.testsupport.TestEngine;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code inbound.imap.max-sessions = 2}: the third connection reads {@code * BYE Server Too Busy} and
 * is closed; a slot frees again after a LOGOUT and after an abrupt reset.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ImapServerTooBusyIntegrationTest {
    private final TestEngine engine = TestEngine.start("inbound.imap.max-sessions = 2");

    @AfterAll
    void stop() {
        engine.close();
    }

    private static final class Client implements AutoCloseable {
        final Socket socket;
        final BufferedReader in;
        final OutputStream out;

        Client(int port) throws Exception {
            socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout(10_000);
            in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            out = socket.getOutputStream();
        }

        String line() throws Exception {
            return in.readLine();
        }

        void send(String s) throws Exception {
            out.write(s.getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        void reset() throws Exception {
            socket.setSoLinger(true, 0);
            socket.close();
        }

        @Override
        public void close() throws java.io.IOException {
            socket.close();
        }
    }

    private SessionCounters counters() {
        return engine.metrics().sessions("imap");
    }

    @Test
    void thirdConnectionShouldBeRefusedAndAdmittedAgainAfterLogoutOrReset() throws Exception {
        int port = engine.port("imap");
        Client a = new Client(port);
        Client b = new Client(port);
        assertTrue(a.line().startsWith("* OK [CAPABILITY"));
        assertTrue(b.line().startsWith("* OK [CAPABILITY"));
        await().atMost(Duration.ofSeconds(10)).until(() -> counters().active() == 2);

        try (Client c = new Client(port)) {
            assertEquals("* BYE Server Too Busy", c.line());
            assertNull(c.line());
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> counters().refusedCount() >= 1);

        a.send("x LOGOUT\r\n");
        assertTrue(a.line().startsWith("* BYE"));
        assertEquals("x OK LOGOUT completed", a.line());
        assertNull(a.line());
        a.close();
        await().atMost(Duration.ofSeconds(10)).until(() -> counters().active() == 1);

        Client d = new Client(port);
        assertTrue(d.line().startsWith("* OK"));
        await().atMost(Duration.ofSeconds(10)).until(() -> counters().active() == 2);

        b.reset();
        await().atMost(Duration.ofSeconds(10)).until(() -> counters().active() == 1);
        try (Client e = new Client(port)) {
            assertTrue(e.line().startsWith("* OK"));
            e.send("y LOGIN alice@example.test alice-pw\r\n");
            assertTrue(e.line().startsWith("y OK"));
        }
        d.close();
        await().atMost(Duration.ofSeconds(10)).until(() -> counters().active() == 0);
    }
}
