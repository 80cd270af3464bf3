package org.postroom.metrics.actors;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.postroom.testsupport.TestEngine;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A whole engine: real POP3 connections show up as pop3-session actors and in the session log. */
class ActorMetricsIntegrationTest {

    private static String get(int port, String path) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        return r.body();
    }

    private static JsonNode actors(TestEngine engine, String kind) throws Exception {
        return new ObjectMapper().readTree(get(engine.adminPort(), "/status")).path("actors").path(kind);
    }

    @Test
    void anOpenPop3ConnectionIsALivePop3SessionActorInMetricsAndStatus() throws Exception {
        try (TestEngine engine = TestEngine.start("")) {
            String before = get(engine.adminPort(), "/metrics");
            assertTrue(before.contains("postroom_actors_live{actor=\"pop3-session\"} 0.0"), before);
            assertTrue(before.contains("postroom_actors_live{actor=\"InboundGuardian\"} "
                    + engine.engine().listeners().size() + ".0"), "one per listener: " + before);
            assertTrue(before.contains("postroom_actors_live{actor=\"EngineGuardian\"} 1.0"), before);
            try (Socket s = new Socket("127.0.0.1", engine.port("pop3"))) {
                s.setSoTimeout(10_000);
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                assertTrue(in.readLine().startsWith("+OK"));
                JsonNode pop3 = actors(engine, "pop3-session");
                assertEquals(1, pop3.path("live").asInt(), pop3.toString());
                assertTrue(get(engine.adminPort(), "/metrics")
                        .contains("postroom_actors_live{actor=\"pop3-session\"} 1.0"));
                s.getOutputStream().write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
                assertTrue(in.readLine().startsWith("+OK"));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> actors(engine, "pop3-session").path("live").asInt() == 0);
            assertEquals(1, actors(engine, "pop3-session").path("started").asInt());
            // The protocol runs in the session's stream stage; the actor itself hears of the stage's end.
            assertTrue(actors(engine, "pop3-session").path("messages").asLong() > 0);
        }
    }

    @Test
    void eachSessionGetsOneStartAndOneEndLineWithPeerKindAndReason() throws Exception {
        Logger log = (Logger) LoggerFactory.getLogger("org.postroom.session");
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        log.addAppender(lines);
        try (TestEngine engine = TestEngine.start("inbound.pop3.max-sessions = 1")) {
            int localPort;
            try (Socket s = new Socket("127.0.0.1", engine.port("pop3"))) {
                localPort = s.getLocalPort();
                s.setSoTimeout(10_000);
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                assertTrue(in.readLine().startsWith("+OK"));
                try (Socket refused = new Socket("127.0.0.1", engine.port("pop3"))) {
                    refused.setSoTimeout(10_000);
                    assertTrue(new BufferedReader(new InputStreamReader(refused.getInputStream(), StandardCharsets.US_ASCII))
                            .readLine().startsWith("-ERR"));
                }
                s.getOutputStream().write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
                in.readLine();
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> lines.list.stream()
                    .anyMatch(e -> e.getFormattedMessage().equals("session end")));
            List<ILoggingEvent> events = List.copyOf(lines.list);
            Map<String, Object> start = kv(events, "session start");
            Map<String, Object> end = kv(events, "session end");
            Map<String, Object> refused = kv(events, "session refused");
            assertEquals("pop3", start.get("kind"));
            assertEquals("pop3-1", start.get("session"));
            assertEquals("127.0.0.1:" + localPort, start.get("peer"));
            assertEquals("pop3-1", end.get("session"));
            assertEquals("closed", end.get("reason"));
            assertTrue(((Number) end.get("duration_ms")).longValue() >= 0);
            assertEquals("server-too-busy", refused.get("reason"));
            assertEquals(3, events.size(), events.toString());
        } finally {
            log.detachAppender(lines);
        }
    }

    private static Map<String, Object> kv(List<ILoggingEvent> events, String message) {
        ILoggingEvent e = events.stream().filter(x -> x.getFormattedMessage().equals(message)).findFirst()
                .orElseThrow(() -> new AssertionError("no '" + message + "' line in " + events));
        return e.getKeyValuePairs().stream().collect(Collectors.toMap(p -> p.key, p -> p.value));
    }
}
