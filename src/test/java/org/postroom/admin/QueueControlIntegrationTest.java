package org.postroom.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postroom.testsupport.DnsTestServer;
import org.postroom.testsupport.TestEngine;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Queue and host-health control over the admin API of a whole engine: a message for a domain whose
 * only MX refuses connections is deferred and its address cached; the operator lists, shows, retries,
 * flushes and deletes it, and reads and clears the failure cache.
 */
class QueueControlIntegrationTest {
    static final Duration WAIT = Duration.ofSeconds(20);
    static final ObjectMapper JSON = new ObjectMapper();
    static final byte[] MESSAGE = ("From: alice@example.test\r\nTo: someone@remote.test\r\n"
            + "Subject: stuck in the queue\r\n\r\nHi.\r\n").getBytes(StandardCharsets.US_ASCII);

    private DnsTestServer dns;
    private int closedPort;

    @BeforeEach
    void start() throws Exception {
        dns = DnsTestServer.start();
        dns.mx("remote.test", 10, "mx.remote.test").a("mx.remote.test", "127.0.0.4");
        closedPort = closedPort("127.0.0.4");
    }

    @AfterEach
    void stop() {
        dns.close();
    }

    /** A port on {@code host} where nothing listens (connections are refused: a cacheable failure). */
    static int closedPort(String host) throws Exception {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getByName(host), 0));
            return s.getLocalPort();
        }
    }

    static String outbound(DnsTestServer dns, int remotePort) {
        return "outbound { dns.servers = [\"" + dns.address() + "\"], remote-port = " + remotePort
                + ", failure-cache = 10 minutes, retry-schedule = [1 hour] }";
    }

    static HttpResponse<String> http(int port, String method, String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .method(method, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode json(int port, String method, String path) throws Exception {
        HttpResponse<String> r = http(port, method, path);
        assertEquals(200, r.statusCode(), method + " " + path + ": " + r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        return JSON.readTree(r.body());
    }

    static JsonNode recipient(int port, String id) throws Exception {
        return json(port, "GET", "/queue/" + id).path("recipients").get(0);
    }

    static boolean cached(int port, String address) throws Exception {
        for (JsonNode f : json(port, "GET", "/hosts").path("cachedFailures")) {
            if (f.path("address").asText().equals(address)) {
                return true;
            }
        }
        return false;
    }

    @Test
    void anOperatorShouldListShowRetryFlushAndDeleteADeferredMessageAndForgetTheCachedHost() throws Exception {
        try (TestEngine engine = TestEngine.start(outbound(dns, closedPort))) {
            int admin = engine.adminPort();
            String id = engine.services().spool().enqueue("alice@example.test", List.of("someone@remote.test"), MESSAGE);

            await().atMost(WAIT).until(() -> recipient(admin, id).path("attempts").asInt() == 1);
            JsonNode list = json(admin, "GET", "/queue");
            assertEquals(1, list.path("count").asInt());
            JsonNode m = list.path("messages").get(0);
            assertEquals(id, m.path("id").asText());
            assertEquals("alice@example.test", m.path("sender").asText());
            assertEquals(MESSAGE.length, m.path("size").asInt());
            assertEquals(1, m.path("attempts").asInt());
            assertEquals("deferred", m.path("recipients").get(0).path("state").asText());
            assertEquals("someone@remote.test", m.path("recipients").get(0).path("address").asText());

            JsonNode shown = json(admin, "GET", "/queue/" + id);
            assertTrue(shown.path("headers").asText().contains("Subject: stuck in the queue\r\n"), shown.toString());
            assertFalse(shown.path("headers").asText().contains("Hi."), "headers only");
            assertFalse(shown.path("recipients").get(0).path("lastError").asText().isEmpty(), shown.toString());

            // The refused address is in the failure cache, with its reason and expiry.
            JsonNode hosts = json(admin, "GET", "/hosts");
            JsonNode failure = hosts.path("cachedFailures").get(0);
            assertEquals("127.0.0.4", failure.path("address").asText(), hosts.toString());
            assertFalse(failure.path("reason").asText().isEmpty(), hosts.toString());
            assertTrue(failure.path("expiresInSeconds").asLong() > 500, hosts.toString());
            assertEquals(0, hosts.path("maxConnectionsPerIp").asInt());

            // Retry: tried now, but its only host is cached, so it is held without using an attempt.
            JsonNode retried = json(admin, "POST", "/queue/" + id + "/retry");
            assertEquals(1, retried.path("recipients").asInt());
            await().atMost(WAIT).until(() -> recipient(admin, id).path("state").asText().equals("held"));
            assertEquals(1, recipient(admin, id).path("attempts").asInt());

            // Forget the host; flush: dialled again, refused again: a second attempt, cached again.
            assertEquals(true, json(admin, "POST", "/hosts/forget?address=127.0.0.4").path("forgotten").asBoolean());
            assertFalse(cached(admin, "127.0.0.4"));
            JsonNode flushed = json(admin, "POST", "/queue/flush");
            assertTrue(flushed.path("flushed").asBoolean());
            await().atMost(WAIT).until(() -> recipient(admin, id).path("attempts").asInt() == 2);
            assertEquals("deferred", recipient(admin, id).path("state").asText());
            assertTrue(cached(admin, "127.0.0.4"));
            assertEquals(200, http(admin, "DELETE", "/hosts/127.0.0.4").statusCode());
            assertFalse(cached(admin, "127.0.0.4"));
            assertEquals(404, http(admin, "DELETE", "/hosts/127.0.0.4").statusCode());
            assertEquals(400, http(admin, "POST", "/hosts/forget?address=mx.remote.test").statusCode());

            // Delete: gone from the queue and the spool, no bounce to alice.
            JsonNode deleted = json(admin, "DELETE", "/queue/" + id);
            assertTrue(deleted.path("deleted").asBoolean());
            assertEquals(0, json(admin, "GET", "/queue").path("count").asInt());
            assertFalse(Files.exists(engine.dataDir().resolve("spool").resolve(id + ".env")));
            assertFalse(Files.exists(engine.dataDir().resolve("spool").resolve(id + ".msg")));
            assertEquals(0.0, engine.metrics().deliveries("bounced"));
            assertEquals(0, engine.metrics().queueMessages().get());
        }
    }

    @Test
    void unknownIdsAndWrongMethodsShouldBeAnsweredWithoutTouchingTheQueue() throws Exception {
        try (TestEngine engine = TestEngine.start(outbound(dns, closedPort))) {
            int admin = engine.adminPort();
            assertEquals(404, http(admin, "GET", "/queue/0000000000000").statusCode());
            assertEquals(404, http(admin, "POST", "/queue/0000000000000/retry").statusCode());
            assertEquals(404, http(admin, "DELETE", "/queue/0000000000000").statusCode());
            assertEquals(404, http(admin, "GET", "/queue/..%2F..%2Fetc").statusCode());
            assertEquals(405, http(admin, "GET", "/queue/flush").statusCode());
            assertEquals(405, http(admin, "POST", "/queue").statusCode());
            assertEquals(405, http(admin, "GET", "/hosts/forget?address=127.0.0.1").statusCode());
            assertEquals(400, http(admin, "POST", "/hosts/forget").statusCode());
            assertEquals(404, http(admin, "GET", "/queuex").statusCode());
            JsonNode empty = json(admin, "GET", "/queue");
            assertEquals(0, empty.path("count").asInt());
            JsonNode flushed = json(admin, "POST", "/queue/flush");
            assertEquals(0, flushed.path("recipients").asInt());
            assertEquals(0, json(admin, "GET", "/hosts").path("cachedFailures").size());

            // A reload's per-IP rules show at once.
            engine.reload(outbound(dns, closedPort) + "\noutbound { max-connections-per-ip = 4, trusted-ips = [\"10.9.0.0/16\"] }");
            await().atMost(WAIT).until(() -> json(admin, "GET", "/hosts").path("maxConnectionsPerIp").asInt() == 4);
            assertEquals("10.9.0.0/16", json(admin, "GET", "/hosts").path("trustedIps").get(0).asText());
        }
    }
}
