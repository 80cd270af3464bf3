package org.postroom.admin;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postroom.testsupport.DnsTestServer;
import org.postroom.testsupport.TestEngine;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.postroom.admin.QueueControlIntegrationTest.closedPort;
import static org.postroom.admin.QueueControlIntegrationTest.http;
import static org.postroom.admin.QueueControlIntegrationTest.json;
import static org.postroom.admin.QueueControlIntegrationTest.outbound;

/**
 * {@code GET /queue} paged and filtered over a real HTTP socket, on a whole engine whose queue holds 250
 * messages for two domains whose only MX (127.0.0.4, on a port where nothing listens) refuses: the first
 * tries are deferred and the address cached, the rest held. The operator walks every page with
 * {@code after}, filters by domain and state, and gets 400 for bad parameters.
 */
class QueuePagingIntegrationTest {
    static final Duration SETTLE = Duration.ofSeconds(60);
    static final int MESSAGES = 250;
    static final byte[] MESSAGE = ("From: alice@example.test\r\nSubject: after the outage\r\n\r\nHi.\r\n")
            .getBytes(StandardCharsets.US_ASCII);

    private DnsTestServer dns;
    private int closedPort;

    @BeforeEach
    void start() throws Exception {
        dns = DnsTestServer.start();
        dns.mx("remote.test", 10, "mx.remote.test").mx("other.test", 10, "mx.remote.test")
                .a("mx.remote.test", "127.0.0.4");
        closedPort = closedPort("127.0.0.4");
    }

    @AfterEach
    void stop() {
        dns.close();
    }

    /** Every page of {@code GET /queue?params&limit=...}, following {@code next} until it is null. */
    static List<JsonNode> walk(int admin, String params) throws Exception {
        List<JsonNode> pages = new ArrayList<>();
        String after = null;
        do {
            JsonNode page = json(admin, "GET", "/queue?" + params
                    + (after == null ? "" : "&after=" + URLEncoder.encode(after, StandardCharsets.UTF_8)));
            pages.add(page);
            assertEquals(page.path("messages").size(), page.path("count").asInt(), page.toString());
            after = page.path("next").isNull() ? null : page.path("next").asText();
            assertTrue(pages.size() <= MESSAGES, "the walk does not end");
        } while (after != null);
        return pages;
    }

    /** The ids of a walk's pages, in the order seen. */
    static List<String> ids(List<JsonNode> pages) {
        List<String> ids = new ArrayList<>();
        pages.forEach(p -> p.path("messages").forEach(m -> ids.add(m.path("id").asText())));
        return ids;
    }

    /** Recipient state by queue id (each message here has one recipient), from the whole listing. */
    static Map<String, String> states(JsonNode all) {
        Map<String, String> out = new LinkedHashMap<>();
        all.path("messages").forEach(m -> out.put(m.path("id").asText(),
                m.path("recipients").get(0).path("state").asText()));
        return out;
    }

    static void assertBadRequest(int admin, String path, String mentions) throws Exception {
        HttpResponse<String> r = http(admin, "GET", path);
        assertEquals(400, r.statusCode(), path + ": " + r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"), path);
        String error = QueueControlIntegrationTest.JSON.readTree(r.body()).path("error").asText();
        assertTrue(error.contains(mentions), path + ": " + error);
    }

    @Test
    void anOperatorShouldWalkA250MessageQueueByPagesFilterItAndGet400ForBadParameters() throws Exception {
        try (TestEngine engine = TestEngine.start(outbound(dns, closedPort))) {
            int admin = engine.adminPort();
            Set<String> all = new TreeSet<>();
            Set<String> other = new TreeSet<>();
            for (int i = 0; i < MESSAGES; i++) {
                String rcpt = "u" + i + (i % 5 == 0 ? "@other.test" : "@remote.test");
                String id = engine.services().spool().enqueue("alice@example.test", List.of(rcpt), MESSAGE);
                all.add(id);
                if (i % 5 == 0) {
                    other.add(id);
                }
            }
            // Settled: every message tried once (deferred) or skipped for the cached address (held);
            // nothing changes now for an hour (retry schedule, delivery interval, failure cache).
            await().atMost(SETTLE).until(() -> {
                JsonNode l = json(admin, "GET", "/queue");
                return l.path("count").asInt() == MESSAGES && states(l).values().stream()
                        .allMatch(s -> s.equals("deferred") || s.equals("held"));
            });

            // Without parameters: the whole queue, as before paging, with the new fields beside.
            JsonNode whole = json(admin, "GET", "/queue");
            assertEquals(MESSAGES, whole.path("count").asInt());
            assertEquals(MESSAGES, whole.path("total").asInt());
            assertTrue(whole.path("limit").isNull(), whole.path("limit").toString());
            assertTrue(whole.path("next").isNull(), whole.path("next").toString());
            assertTrue(whole.hasNonNull("asOf"));
            assertEquals(new ArrayList<>(all), ids(List.of(whole)), "queue-id order");
            Map<String, String> states = states(whole);

            // Every page in turn: each message exactly once, in id order, the total on every page.
            List<JsonNode> pages = walk(admin, "limit=37");
            assertEquals(7, pages.size());
            List<String> seen = ids(pages);
            assertEquals(MESSAGES, seen.size());
            assertEquals(MESSAGES, new HashSet<>(seen).size(), "no message twice");
            assertEquals(new ArrayList<>(all), seen);
            for (JsonNode p : pages) {
                assertEquals(MESSAGES, p.path("total").asInt());
                assertEquals(37, p.path("limit").asInt());
            }
            assertEquals(seen.get(36), pages.get(0).path("next").asText());
            assertEquals(MESSAGES - 6 * 37, pages.get(6).path("count").asInt());

            // By recipient domain.
            List<JsonNode> otherPages = walk(admin, "limit=20&domain=other.test");
            assertEquals(3, otherPages.size());
            assertEquals(new ArrayList<>(other), ids(otherPages));
            otherPages.forEach(p -> assertEquals(other.size(), p.path("total").asInt()));
            assertEquals(other.size(), json(admin, "GET", "/queue?limit=1&domain=OTHER.test").path("total").asInt());
            assertEquals(0, json(admin, "GET", "/queue?limit=1&domain=.other.test").path("total").asInt(),
                    "a leading dot: subdomains only");
            assertEquals(MESSAGES, json(admin, "GET", "/queue?limit=1&domain=.test").path("total").asInt());

            // By state: the same split as the whole listing shows.
            List<String> deferred = states.entrySet().stream().filter(e -> e.getValue().equals("deferred"))
                    .map(Map.Entry::getKey).toList();
            List<String> held = states.entrySet().stream().filter(e -> e.getValue().equals("held"))
                    .map(Map.Entry::getKey).toList();
            assertFalse(deferred.isEmpty(), "the first tries were refused");
            assertFalse(held.isEmpty(), "the rest were skipped for the cached address");
            assertEquals(deferred, ids(walk(admin, "limit=10&state=deferred")));
            assertEquals(held, ids(walk(admin, "limit=100&state=held")));
            assertEquals(MESSAGES, json(admin, "GET", "/queue?limit=1&state=deferred,held").path("total").asInt());
            JsonNode ready = json(admin, "GET", "/queue?limit=10&state=ready");
            assertEquals(0, ready.path("total").asInt());
            assertEquals(0, ready.path("messages").size());
            assertTrue(ready.path("next").isNull());
            List<String> heldOther = held.stream().filter(other::contains).toList();
            assertEquals(heldOther, ids(walk(admin, "limit=7&state=held&domain=other.test")));

            // A limit above the maximum is cut to it.
            JsonNode capped = json(admin, "GET", "/queue?limit=5000");
            assertEquals(1000, capped.path("limit").asInt());
            assertEquals(MESSAGES, capped.path("count").asInt());
            assertTrue(capped.path("next").isNull());

            // Bad parameters: 400 with a JSON error naming the problem, never a 500.
            assertBadRequest(admin, "/queue?limit=abc", "limit");
            assertBadRequest(admin, "/queue?limit=-5", "limit");
            assertBadRequest(admin, "/queue?limit=0", "limit");
            assertBadRequest(admin, "/queue?limit=", "limit");
            assertBadRequest(admin, "/queue?state=bogus", "deferred");
            assertBadRequest(admin, "/queue?state=deferred,bogus", "bogus");
            assertBadRequest(admin, "/queue?after=..%2F..%2Fetc", "after");
            assertBadRequest(admin, "/queue?domain=u1@other.test", "domain");
            assertBadRequest(admin, "/queue?limt=10", "limt");
            assertEquals(400, rawStatus(admin, "GET /queue?limit=%ZZ HTTP/1.1"));
            assertEquals(405, http(admin, "POST", "/queue?limit=10").statusCode());

            // The message a cursor names may leave the queue meanwhile: the walk goes on after it.
            String cursor = pages.get(0).path("next").asText();
            assertEquals(200, http(admin, "DELETE", "/queue/" + cursor).statusCode());
            JsonNode afterDeleted = json(admin, "GET", "/queue?limit=37&after=" + cursor);
            assertEquals(ids(List.of(pages.get(1))), ids(List.of(afterDeleted)));
            assertEquals(MESSAGES - 1, afterDeleted.path("total").asInt());
        }
    }

    /**
     * The status of a request line sent as is (java.net.http refuses to send a malformed %-escape). The
     * JDK's HTTP server answers such a line 400 itself, before any route; this checks that it stays so.
     */
    static int rawStatus(int admin, String requestLine) throws Exception {
        try (Socket s = new Socket("127.0.0.1", admin)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write((requestLine + "\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String status = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1).split("\r\n", 2)[0];
            return Integer.parseInt(status.split(" ")[1]);
        }
    }
}
