package org.postroom.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.postroom.Main;
import org.postroom.queue.QueueQuery;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The paging loop of {@code postroom queue list} against a fake engine: an answerer that cuts its pages
 * with the engine's own {@link QueueQuery} (parameters, 400s, cursor) over twelve messages and records
 * each request.
 */
class QueueListingTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String AS_OF = "2026-11-29T08:02:05Z";

    /** Queue id of message i (1..n): ascending like the engine's. */
    private static String id(int i) {
        return String.format("018f2a3b4c5d6000000000%02d", i);
    }

    /** Twelve messages, one recipient each: every third to other.test, else remote.test; even ones held. */
    private static NavigableMap<String, JsonNode> queue(int n) {
        NavigableMap<String, JsonNode> q = new TreeMap<>();
        for (int i = 1; i <= n; i++) {
            ObjectNode m = JSON.createObjectNode();
            m.put("id", id(i)).put("sender", "alice@example.test").put("created", "2026-11-29T07:00:00Z")
                    .put("ageSeconds", 3725).put("size", 1000 + i).put("attempts", 1)
                    .put("nextAttempt", "2026-11-29T09:00:00Z");
            ObjectNode r = m.putArray("recipients").addObject();
            r.put("address", "u" + i + "@" + (i % 3 == 0 ? "other.test" : "remote.test"))
                    .put("state", i % 2 == 0 ? "held" : "deferred").put("attempts", 1)
                    .put("nextAttempt", "2026-11-29T09:00:00Z").put("lastError", "");
            q.put(id(i), m);
        }
        return q;
    }

    /** A fake engine: answers {@code GET /queue?...} as QueueRoutes does, recording the paths asked. */
    static final class FakeEngine implements QueueListing.Pages {
        final NavigableMap<String, JsonNode> byId;
        final List<String> paths = new ArrayList<>();

        FakeEngine(NavigableMap<String, JsonNode> byId) {
            this.byId = byId;
        }

        @Override
        public AdminClient.Answer get(String path) throws AdminClient.Failure {
            paths.add(path);
            Map<String, String> params = new LinkedHashMap<>();
            String[] parts = path.split("\\?", 2);
            assertEquals("/queue", parts[0]);
            if (parts.length == 2) {
                for (String p : parts[1].split("&")) {
                    String[] kv = p.split("=", 2);
                    params.put(kv[0], URLDecoder.decode(kv[1], StandardCharsets.UTF_8));
                }
            }
            QueueQuery q;
            try {
                q = QueueQuery.parse(params);
            } catch (QueueQuery.BadParameter e) {
                return new AdminClient.Answer(400, JSON.createObjectNode().put("error", e.getMessage()));
            }
            QueueQuery.Page<JsonNode> page = q.select(byId, m -> selected(q, m));
            return new AdminClient.Answer(200, doc(page.items(), page.total(), q.limit(), page.next().orElse(null)));
        }

        private static boolean selected(QueueQuery q, JsonNode m) {
            for (JsonNode r : m.path("recipients")) {
                String domain = r.path("address").asText().replaceFirst(".*@", "");
                boolean inDomain = q.domain().isEmpty()
                        || (q.domain().startsWith(".") ? domain.endsWith(q.domain()) : domain.equals(q.domain()));
                if (inDomain && (q.states().isEmpty() || q.states().contains(r.path("state").asText()))) {
                    return true;
                }
            }
            return false;
        }
    }

    static ObjectNode doc(List<JsonNode> messages, int total, int limit, String next) {
        ObjectNode doc = JSON.createObjectNode();
        doc.put("asOf", AS_OF).put("count", messages.size()).put("total", total);
        if (limit == 0) {
            doc.putNull("limit");
        } else {
            doc.put("limit", limit);
        }
        doc.put("next", next);
        ArrayNode array = doc.putArray("messages");
        messages.forEach(array::add);
        return doc;
    }

    /** What one walk printed, and the failure that ended it (null when it ended well). */
    record Walk(String out, AdminClient.Failure failure) {}

    static Walk walk(QueueListing.Pages pages, String states, String domain, int limit, int pageSize) {
        StringWriter out = new StringWriter();
        try {
            assertEquals(0, new QueueListing(states, domain, limit, pageSize).write(pages, new PrintWriter(out)));
            return new Walk(out.toString(), null);
        } catch (AdminClient.Failure f) {
            return new Walk(out.toString(), f);
        }
    }

    /** The whole answer for {@code ids}, as one unpaged {@code GET /queue} gives it. */
    static JsonNode whole(NavigableMap<String, JsonNode> q, List<String> ids) {
        List<JsonNode> messages = new ArrayList<>();
        ids.forEach(id -> messages.add(q.get(id)));
        return doc(messages, messages.size(), 0, null);
    }

    @Test
    void aWalkShouldFollowNextPageByPageAndPrintTheSameTableAsOneWholeListing() {
        FakeEngine engine = new FakeEngine(queue(12));
        Walk w = walk(engine, null, null, 0, 5);
        assertEquals(null, w.failure());
        assertEquals(List.of("/queue?limit=5", "/queue?limit=5&after=" + id(5), "/queue?limit=5&after=" + id(10)),
                engine.paths);
        assertEquals(QueueTables.list(whole(engine.byId, new ArrayList<>(engine.byId.keySet()))), w.out());
        assertTrue(w.out().endsWith("\n-- 12 messages, 12 recipients to deliver\n"), w.out());
        assertEquals(1, w.out().split("\nID ", -1).length, "one header");
    }

    @Test
    void theDefaultPageSizeShouldFetchASmallQueueInOneRequest() {
        FakeEngine engine = new FakeEngine(queue(12));
        Walk w = walk(engine, null, null, 0, QueueListing.DEFAULT_PAGE_SIZE);
        assertEquals(List.of("/queue?limit=500"), engine.paths);
        assertEquals(QueueTables.list(whole(engine.byId, new ArrayList<>(engine.byId.keySet()))), w.out());
    }

    @Test
    void filtersShouldBePassedThroughEncodedOnEveryPage() {
        FakeEngine engine = new FakeEngine(queue(12));
        Walk held = walk(engine, "held", "remote.test", 0, 2);
        // held: even; remote.test: not a multiple of 3 -> 2, 4, 8, 10
        assertEquals(QueueTables.list(whole(engine.byId, List.of(id(2), id(4), id(8), id(10)))), held.out());
        assertEquals(List.of("/queue?limit=2&state=held&domain=remote.test",
                "/queue?limit=2&state=held&domain=remote.test&after=" + id(4)), engine.paths);

        engine.paths.clear();
        Walk both = walk(engine, "deferred,held", ".test", 0, 500);
        assertEquals(List.of("/queue?limit=500&state=deferred%2Cheld&domain=.test"), engine.paths);
        assertTrue(both.out().endsWith("-- 12 messages, 12 recipients to deliver\n"), both.out());
    }

    @Test
    void anEmptyListingShouldSayWhetherTheQueueIsEmptyOrNothingMatches() {
        assertEquals("The queue is empty.\n", walk(new FakeEngine(queue(0)), null, null, 0, 5).out());
        assertEquals("No queued message matches.\n", walk(new FakeEngine(queue(12)), "ready", null, 0, 5).out());
        assertEquals("No queued message matches.\n", walk(new FakeEngine(queue(12)), null, ".other.test", 0, 5).out());
    }

    @Test
    void theLimitShouldStopTheWalkAskOnlyForWhatIsLeftAndSaySoInTheSummary() {
        FakeEngine engine = new FakeEngine(queue(12));
        Walk seven = walk(engine, null, null, 7, 5);
        assertEquals(List.of("/queue?limit=5", "/queue?limit=2&after=" + id(5)), engine.paths);
        List<String> first7 = new ArrayList<>(engine.byId.keySet()).subList(0, 7);
        String whole7 = QueueTables.list(whole(engine.byId, first7));
        assertEquals(whole7.replace("to deliver\n", "to deliver (the first 7 of 12)\n"), seven.out());

        Walk filtered = walk(new FakeEngine(queue(12)), "deferred", null, 2, 500);
        assertTrue(filtered.out().endsWith("-- 2 messages, 2 recipients to deliver (the first 2 of 6)\n"),
                filtered.out());

        engine.paths.clear();
        Walk exactly = walk(engine, null, null, 12, 5);
        assertEquals(List.of("/queue?limit=5", "/queue?limit=5&after=" + id(5), "/queue?limit=2&after=" + id(10)),
                engine.paths);
        assertTrue(exactly.out().endsWith("-- 12 messages, 12 recipients to deliver\n"), "nothing left out");
        assertTrue(walk(engine, null, null, 1000, 5).out().endsWith("-- 12 messages, 12 recipients to deliver\n"));
    }

    @Test
    void aFilterTheEngineRefusesShouldExitTwoWithItsMessageAndPrintNothing() {
        Walk w = walk(new FakeEngine(queue(12)), "bogus", null, 0, 500);
        assertEquals(2, w.failure().exitCode);
        assertTrue(w.failure().getMessage().startsWith("unknown state bogus (known: ready, deferred, held"),
                w.failure().getMessage());
        assertEquals("", w.out());

        Walk domain = walk(new FakeEngine(queue(12)), null, "u1@other.test", 0, 500);
        assertEquals(2, domain.failure().exitCode);
        assertTrue(domain.failure().getMessage().startsWith("domain must be a domain name"));

        // Given but empty (--state "", --domain ""): sent as such, so the engine refuses them too.
        FakeEngine engine = new FakeEngine(queue(12));
        assertEquals(2, walk(engine, "", null, 0, 500).failure().exitCode);
        assertEquals(2, walk(engine, null, "", 0, 500).failure().exitCode);
        assertEquals(List.of("/queue?limit=500&state=", "/queue?limit=500&domain="), engine.paths);
    }

    @Test
    void aFailureHalfWayShouldExitOneKeepThePrintedPagesAndPrintNoSummary() {
        FakeEngine engine = new FakeEngine(queue(12));
        QueueListing.Pages failingSecond = path -> engine.paths.isEmpty() ? engine.get(path)
                : new AdminClient.Answer(503, JSON.createObjectNode().put("error", "queue did not answer within 5000 ms"));
        Walk w = walk(failingSecond, null, null, 0, 5);
        assertEquals(1, w.failure().exitCode);
        assertEquals("queue did not answer within 5000 ms", w.failure().getMessage());
        assertEquals(1 + 5 * 2, w.out().split("\n").length, "the header and the first page: " + w.out());
        assertTrue(w.out().startsWith("ID "), w.out());
        assertTrue(w.out().contains(id(5)) && !w.out().contains(id(6)), w.out());
        assertFalse(w.out().contains("\n-- "), "no summary: the listing is incomplete");

        QueueListing.Pages gone = path -> {
            if (engine.paths.size() == 1) {
                throw new AdminClient.Failure(1, "no engine answering at http://127.0.0.1:9025" + path);
            }
            return engine.get(path);
        };
        engine.paths.clear();
        Walk stopped = walk(gone, null, null, 0, 5);
        assertEquals(1, stopped.failure().exitCode);
        assertFalse(stopped.out().contains("\n-- "));
    }

    @Test
    void aNextThatDoesNotMoveForwardShouldStopTheWalk() {
        NavigableMap<String, JsonNode> q = queue(4);
        List<String> paths = new ArrayList<>();
        QueueListing.Pages stuck = path -> {
            paths.add(path);
            return new AdminClient.Answer(200, doc(List.of(q.get(id(1)), q.get(id(2))), 4, 2, id(2)));
        };
        Walk w = walk(stuck, null, null, 0, 2);
        assertEquals(1, w.failure().exitCode);
        assertTrue(w.failure().getMessage().contains("does not move forward"), w.failure().getMessage());
        assertEquals(2, paths.size());

        QueueListing.Pages emptyWithNext = path -> new AdminClient.Answer(200, doc(List.of(), 4, 2, id(3)));
        assertEquals(1, walk(emptyWithNext, null, null, 0, 2).failure().exitCode);
    }

    @Test
    void anEngineOlderThanPagingShouldBeListedWholeCutAtTheLimitAndRefuseAFilter() {
        NavigableMap<String, JsonNode> q = queue(12);
        JsonNode old = whole(q, new ArrayList<>(q.keySet()));
        ((ObjectNode) old).remove(List.of("total", "limit", "next"));
        QueueListing.Pages ignoresParameters = path -> new AdminClient.Answer(200, old);

        assertEquals(QueueTables.list(old), walk(ignoresParameters, null, null, 0, 5).out());
        String seven = walk(ignoresParameters, null, null, 7, 5).out();
        assertTrue(seven.contains(id(7)) && !seven.contains(id(8)), seven);
        assertTrue(seven.endsWith("-- 7 messages, 7 recipients to deliver (the first 7 of 12)\n"), seven);

        Walk filtered = walk(ignoresParameters, "held", null, 0, 5);
        assertEquals(1, filtered.failure().exitCode);
        assertTrue(filtered.failure().getMessage().contains("does not filter"), filtered.failure().getMessage());
        assertEquals("", filtered.out());
    }

    @Test
    void aLimitOrPageSizeOutOfRangeShouldBeABadOptionExitTwoBeforeAnyRequest() {
        for (String[] args : new String[][]{{"--limit", "0", "--limit must be at least 1: 0"},
                {"--limit", "-3", "--limit must be at least 1: -3"}, {"--page-size", "0", "--page-size must be 1 to 1000: 0"},
                {"--page-size", "1001", "--page-size must be 1 to 1000: 1001"},
                {"--limit", "many", "Invalid value for option '--limit': 'many' is not an int"}}) {
            StringWriter err = new StringWriter();
            CommandLine cmd = new CommandLine(new Main());
            cmd.setOut(new PrintWriter(new StringWriter(), true));
            cmd.setErr(new PrintWriter(err, true));
            List<String> line = new ArrayList<>(List.of("queue", "list", "--config", "/nonexistent/postroom.conf"));
            line.addAll(List.of(args).subList(0, 2));
            assertEquals(2, cmd.execute(line.toArray(String[]::new)), String.join(" ", args));
            assertTrue(err.toString().startsWith(args[2]), err.toString());
            assertFalse(err.toString().contains("config error"), "checked before the config is read");
        }
    }
}
