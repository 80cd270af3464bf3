package org.postroom.pop3;

import org.junit.jupiter.api.Test;
import org.postroom.metrics.SessionCounters;
import org.postroom.testsupport.TestEngine;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How a POP3 session ends when the client does not end it: idle timeout and engine shutdown. */
class Pop3LifecycleIntegrationTest {

    @Test
    void aSessionIdleBeforeLoginShouldGetErrTimeoutBeClosedAndCountedOut() throws Exception {
        try (TestEngine engine = TestEngine.start("inbound.idle-timeout = 300ms");
             Socket s = new Socket("127.0.0.1", engine.port("pop3"))) {
            s.setSoTimeout(10_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            assertTrue(in.readLine().startsWith("+OK"));
            s.getOutputStream().write("USER alice\r\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals("+OK Send your password", in.readLine());
            assertEquals("-ERR Timeout", in.readLine());
            assertEquals(null, in.readLine());
            SessionCounters pop3 = engine.metrics().sessions("pop3");
            await().atMost(Duration.ofSeconds(10)).until(() -> pop3.active() == 0);
        }
    }

    @Test
    void engineShutdownShouldTellConnectedClients() throws Exception {
        TestEngine engine = TestEngine.start("");
        try (Socket s = new Socket("127.0.0.1", engine.port("pop3"))) {
            s.setSoTimeout(10_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            assertTrue(in.readLine().startsWith("+OK"));
            engine.close();
            assertEquals("-ERR Server shutting down", in.readLine());
            assertEquals(null, in.readLine());
        } finally {
            engine.close();
        }
    }
}
