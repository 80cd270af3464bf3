package org.postroom.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.postroom.metrics.MetricNames;
import org.postroom.testsupport.TestEngine;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The admin endpoint of a running engine, read over HTTP as Prometheus and scripts read it. */
class AdminIntegrationTest {

    private static String get(int port, String path) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        return r.body();
    }

    @Test
    void everyContractSeriesExistsFromStartAtZeroForEveryKind() throws Exception {
        try (TestEngine engine = TestEngine.start("inbound.smtp.max-sessions = 7, outbound.max-sessions = 4")) {
            String metrics = get(engine.adminPort(), "/metrics");
            for (String kind : MetricNames.KINDS) {
                for (String series : new String[]{"postroom_sessions_active", "postroom_sessions_limit",
                        "postroom_sessions_peak", "postroom_sessions_accepted_total", "postroom_sessions_refused_total"}) {
                    assertTrue(metrics.contains(series + "{kind=\"" + kind + "\"}"), series + " " + kind);
                }
            }
            for (String series : new String[]{"postroom_queue_messages", "postroom_hosthealth_cached_failures",
                    "postroom_hosthealth_tokens_in_use", "postroom_hosthealth_token_denials_total",
                    "postroom_multipop_messages_total", "postroom_deliveries_total{result=\"delivered\"}",
                    "postroom_deliveries_total{result=\"deferred\"}", "postroom_deliveries_total{result=\"bounced\"}"}) {
                assertTrue(metrics.contains(series), series);
            }
            assertTrue(metrics.contains("postroom_sessions_limit{kind=\"smtp\"} 7.0"), metrics);
            assertTrue(metrics.contains("postroom_sessions_limit{kind=\"smtp-out\"} 4.0"), metrics);

            JsonNode status = new ObjectMapper().readTree(get(engine.adminPort(), "/status"));
            assertEquals("mail.example.test", status.path("hostname").asText());
            assertEquals(7, status.path("sessions").path("smtp").path("limit").asInt());
            assertEquals(0, status.path("sessions").path("imap").path("active").asInt());
            assertEquals(0, status.path("queue").path("messages").asInt());
        }
    }

    private static HttpResponse<String> post(int port, String path) throws Exception {
        return HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void postReloadAppliesNewLimitsAndABadFileChangesNothing() throws Exception {
        try (TestEngine engine = TestEngine.start("inbound.smtp.max-sessions = 7")) {
            engine.setOverrides("inbound.smtp.max-sessions = 3, inbound.imap.max-sessions = 9, outbound.max-sessions = 2,"
                    + " multipop.max-sessions = 1");
            HttpResponse<String> ok = post(engine.adminPort(), "/reload");
            assertEquals(200, ok.statusCode(), ok.body());
            String metrics = get(engine.adminPort(), "/metrics");
            assertTrue(metrics.contains("postroom_sessions_limit{kind=\"smtp\"} 3.0"), metrics);
            assertTrue(metrics.contains("postroom_sessions_limit{kind=\"imap\"} 9.0"), metrics);
            assertTrue(metrics.contains("postroom_sessions_limit{kind=\"smtp-out\"} 2.0"), metrics);
            assertTrue(metrics.contains("postroom_sessions_limit{kind=\"multipop\"} 1.0"), metrics);

            engine.setOverrides("inbound.smtp.max-sessions = -1");
            HttpResponse<String> bad = post(engine.adminPort(), "/reload");
            assertEquals(400, bad.statusCode());
            assertTrue(bad.body().contains("inbound.smtp.max-sessions"), bad.body());
            assertTrue(get(engine.adminPort(), "/metrics").contains("postroom_sessions_limit{kind=\"smtp\"} 3.0"));
        }
    }
}
