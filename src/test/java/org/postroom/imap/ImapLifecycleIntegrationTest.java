package org.postroom.imap;

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
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How an IMAP session ends when the client does not end it: idle limits and engine shutdown. */
class ImapLifecycleIntegrationTest {

    private static BufferedReader reader(Socket s) throws Exception {
        s.setSoTimeout(10_000);
        return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
    }

    @Test
    void idleSessionsShouldBeLoggedOutBeforeAndAfterLoginAndCountedOut() throws Exception {
        try (TestEngine engine = TestEngine.start("inbound { idle-timeout = 300ms, imap.autologout = 600ms }")) {
            try (Socket s = new Socket("127.0.0.1", engine.port("imap"))) {
                BufferedReader in = reader(s);
                assertTrue(in.readLine().startsWith("* OK"));
                assertEquals("* BYE Autologout; idle for too long", in.readLine());
                assertNull(in.readLine());
            }
            try (Socket s = new Socket("127.0.0.1", engine.port("imap"))) {
                BufferedReader in = reader(s);
                assertTrue(in.readLine().startsWith("* OK"));
                s.getOutputStream().write("a LOGIN alice alice-pw\r\nb SELECT INBOX\r\n".getBytes(StandardCharsets.UTF_8));
                long loggedIn = System.nanoTime();
                String line;
                while (!(line = in.readLine()).startsWith("b OK")) {
                    assertTrue(line.startsWith("* ") || line.startsWith("a OK"), line);
                }
                assertEquals("* BYE Autologout; idle for too long", in.readLine());
                assertTrue(System.nanoTime() - loggedIn >= 500_000_000L, "autologout, not the shorter idle-timeout");
                assertNull(in.readLine());
            }
            SessionCounters imap = engine.metrics().sessions("imap");
            await().atMost(Duration.ofSeconds(10)).until(() -> imap.active() == 0);
        }
    }

    @Test
    void engineShutdownShouldTellConnectedClients() throws Exception {
        TestEngine engine = TestEngine.start("");
        try (Socket s = new Socket("127.0.0.1", engine.port("imap"))) {
            BufferedReader in = reader(s);
            assertTrue(in.readLine().startsWith("* OK"));
            s.getOutputStream().write("a LOGIN alice alice-pw\r\nb IDLE\r\n".getBytes(StandardCharsets.UTF_8));
            assertTrue(in.readLine().startsWith("a OK"));
            assertEquals("+ idling", in.readLine());
            engine.close();
            assertEquals("* BYE Server shutting down", in.readLine());
            assertNull(in.readLine());
        } finally {
            engine.close();
        }
    }

    @Test
    void statusShouldShowLoggedInAndIdlingSessions() throws Exception {
        try (TestEngine engine = TestEngine.start("");
             Socket s = new Socket("127.0.0.1", engine.port("imap"))) {
            BufferedReader in = reader(s);
            assertTrue(in.readLine().startsWith("* OK"));
            s.getOutputStream().write("a LOGIN alice wrong\r\nb LOGIN alice alice-pw\r\nc IDLE\r\n"
                    .getBytes(StandardCharsets.UTF_8));
            assertTrue(in.readLine().startsWith("a NO"));
            assertTrue(in.readLine().startsWith("b OK"));
            assertEquals("+ idling", in.readLine());
            @SuppressWarnings("unchecked")
            java.util.Map<String, Object> imap = (java.util.Map<String, Object>) engine.metrics().status().get("imap");
            assertEquals(1L, imap.get("loggedIn"));
            assertEquals(1L, imap.get("idling"));
            assertEquals(1L, imap.get("failedLogins"));
            s.getOutputStream().write("DONE\r\nd LOGOUT\r\n".getBytes(StandardCharsets.UTF_8));
            assertEquals("c OK IDLE terminated", in.readLine());
            await().atMost(Duration.ofSeconds(10)).until(() -> ((java.util.Map<?, ?>) engine.metrics().status()
                    .get("imap")).get("loggedIn").equals(0L));
            assertEquals(0L, ((java.util.Map<?, ?>) engine.metrics().status().get("imap")).get("idling"));
        }
    }
}
