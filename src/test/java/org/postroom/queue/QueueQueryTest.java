package org.postroom.queue;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The operator's queue query: its parameters, its filter and its paging (plain Java, no actor). */
class QueueQueryTest {
    private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");

    private static Map<String, String> params(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    private static Envelope env(String id, String... recipients) {
        List<RecipientState> rs = new ArrayList<>();
        for (String r : recipients) {
            rs.add(RecipientState.pending(r, T0));
        }
        return new Envelope(id, "alice@example.test", T0, 100, rs);
    }

    /** Queue ids q000 … q(n-1), each to one recipient in a.test, every third in b.test. */
    private static TreeMap<String, Envelope> queue(int n) {
        TreeMap<String, Envelope> byId = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            String id = String.format("q%03d", i);
            byId.put(id, env(id, "u" + i + (i % 3 == 0 ? "@b.test" : "@a.test")));
        }
        return byId;
    }

    /** Every page of {@code query}'s walk, following {@code next}. */
    private static List<QueueQuery.Page<Envelope>> walk(TreeMap<String, Envelope> byId, QueueQuery first,
                                                        Function<RecipientState, String> stateOf) {
        List<QueueQuery.Page<Envelope>> pages = new ArrayList<>();
        QueueQuery q = first;
        while (true) {
            QueueQuery current = q;
            QueueQuery.Page<Envelope> p = q.select(byId, e -> current.matches(e, stateOf));
            pages.add(p);
            if (p.next().isEmpty()) {
                return pages;
            }
            q = new QueueQuery(q.limit(), p.next().get(), q.states(), q.domain());
            if (pages.size() > 1000) {
                throw new AssertionError("the walk does not end");
            }
        }
    }

    private static List<String> ids(List<QueueQuery.Page<Envelope>> pages) {
        return pages.stream().flatMap(p -> p.items().stream()).map(Envelope::id).toList();
    }

    // ---- parameters ----

    @Test
    void noParametersShouldMeanEveryMessageUnfiltered() {
        assertEquals(QueueQuery.ALL, QueueQuery.parse(Map.of()));
        assertFalse(QueueQuery.ALL.filtered());
    }

    @Test
    void parseShouldReadEveryParameter() {
        QueueQuery q = QueueQuery.parse(params("limit", "50", "after", "018f2a3b4c5d6000001a2b3",
                "state", "deferred, HELD", "domain", "Example.COM"));
        assertEquals(new QueueQuery(50, "018f2a3b4c5d6000001a2b3", Set.of("deferred", "held"), "example.com"), q);
        assertTrue(q.filtered());
        assertEquals(".example.com", QueueQuery.parse(params("domain", ".example.com")).domain());
    }

    @Test
    void aLimitAboveTheMaximumShouldBeCutToIt() {
        assertEquals(QueueQuery.MAX_LIMIT, QueueQuery.parse(params("limit", "1001")).limit());
        assertEquals(QueueQuery.MAX_LIMIT, QueueQuery.parse(params("limit", "99999999999999999999")).limit());
        assertEquals(7, QueueQuery.parse(params("limit", "007")).limit());
        assertEquals(1, QueueQuery.parse(params("limit", "1")).limit());
    }

    @Test
    void badParametersShouldBeRefusedWithAMessageNamingThem() {
        for (Map<String, String> bad : List.of(params("limit", "ten"), params("limit", "-1"), params("limit", "0"),
                params("limit", ""), params("limit", "1.5"), params("limit", "000"), params("limit", "0x10"),
                params("after", ""), params("after", "../etc"), params("after", "x".repeat(65)),
                params("state", "bogus"), params("state", ""), params("state", "deferred,"),
                params("state", "active"), params("domain", ""), params("domain", "."),
                params("domain", "user@example.com"), params("domain", "a b"), params("domain", "..example.com"),
                params("limt", "10"))) {
            QueueQuery.BadParameter e = assertThrows(QueueQuery.BadParameter.class, () -> QueueQuery.parse(bad),
                    bad.toString());
            String name = bad.keySet().iterator().next();
            assertTrue(e.getMessage().contains(name), e.getMessage());
        }
        assertTrue(assertThrows(QueueQuery.BadParameter.class, () -> QueueQuery.parse(params("state", "bogus")))
                .getMessage().contains("deferred"), "lists the known states");
    }

    // ---- filter ----

    @Test
    void domainShouldMatchExactlyIgnoringCaseAndALeadingDotOnlySubdomains() {
        QueueQuery exact = QueueQuery.parse(params("domain", "example.com"));
        QueueQuery subs = QueueQuery.parse(params("domain", ".example.com"));
        Function<RecipientState, String> ready = r -> "ready";
        assertTrue(exact.matches(env("a", "x@EXAMPLE.com"), ready));
        assertFalse(exact.matches(env("a", "x@mx.example.com"), ready));
        assertFalse(exact.matches(env("a", "x@notexample.com"), ready));
        assertTrue(subs.matches(env("a", "x@mx.example.com"), ready));
        assertFalse(subs.matches(env("a", "x@example.com"), ready));
        assertFalse(subs.matches(env("a", "x@badexample.com"), ready));
        assertTrue(exact.matches(env("a", "y@other.test", "x@example.com"), ready), "any recipient");
    }

    @Test
    void stateAndDomainShouldHoldForTheSameRecipient() {
        Envelope m = env("a", "x@a.test", "y@b.test");
        Map<String, String> states = Map.of("x@a.test", "deferred", "y@b.test", "ready");
        Function<RecipientState, String> stateOf = r -> states.get(r.address());
        assertTrue(QueueQuery.parse(params("state", "deferred", "domain", "a.test")).matches(m, stateOf));
        assertFalse(QueueQuery.parse(params("state", "deferred", "domain", "b.test")).matches(m, stateOf));
        assertTrue(QueueQuery.parse(params("state", "held,ready", "domain", "b.test")).matches(m, stateOf));
        assertTrue(QueueQuery.parse(params("state", "deferred")).matches(m, stateOf));
        assertFalse(QueueQuery.parse(params("state", "failed")).matches(m, stateOf));
    }

    @Test
    void theStateOfRecipientsInOtherDomainsShouldNotBeAsked() {
        Envelope m = env("a", "x@a.test", "y@b.test");
        List<String> asked = new ArrayList<>();
        QueueQuery.parse(params("state", "ready", "domain", "b.test")).matches(m, r -> {
            asked.add(r.address());
            return "ready";
        });
        assertEquals(List.of("y@b.test"), asked);
    }

    // ---- paging ----

    @Test
    void withoutLimitThePageShouldBeTheWholeQueueInIdOrderWithoutNext() {
        TreeMap<String, Envelope> byId = queue(25);
        QueueQuery.Page<Envelope> p = QueueQuery.ALL.select(byId, e -> true);
        assertEquals(new ArrayList<>(byId.keySet()), p.items().stream().map(Envelope::id).toList());
        assertEquals(25, p.total());
        assertEquals(Optional.empty(), p.next());
    }

    @Test
    void walkingThePagesShouldSeeEveryMessageOnceInOrder() {
        TreeMap<String, Envelope> byId = queue(250);
        List<QueueQuery.Page<Envelope>> pages = walk(byId, QueueQuery.parse(params("limit", "37")), r -> "ready");
        assertEquals(7, pages.size());
        assertEquals(new ArrayList<>(byId.keySet()), ids(pages));
        pages.forEach(p -> assertEquals(250, p.total()));
        assertEquals(Optional.of("q036"), pages.get(0).next());
        assertEquals(250 - 6 * 37, pages.get(6).items().size());
    }

    @Test
    void aPageEndingExactlyAtTheLastMessageShouldHaveNoNext() {
        TreeMap<String, Envelope> byId = queue(20);
        QueueQuery.Page<Envelope> p = QueueQuery.parse(params("limit", "10", "after", "q009")).select(byId, e -> true);
        assertEquals(10, p.items().size());
        assertEquals(Optional.empty(), p.next());
        assertEquals(List.of(), QueueQuery.parse(params("after", "q019")).select(byId, e -> true).items());
        assertEquals(Optional.empty(), QueueQuery.parse(params("limit", "5")).select(new TreeMap<String, Envelope>(),
                e -> true).next());
    }

    @Test
    void aCursorWhoseMessageHasLeftTheQueueShouldStillContinueAfterIt() {
        TreeMap<String, Envelope> byId = queue(30);
        QueueQuery.Page<Envelope> first = QueueQuery.parse(params("limit", "10")).select(byId, e -> true);
        assertEquals(Optional.of("q009"), first.next());
        byId.remove("q009");
        byId.remove("q003");
        QueueQuery.Page<Envelope> second = QueueQuery.parse(params("limit", "10", "after", "q009"))
                .select(byId, e -> true);
        assertEquals("q010", second.items().get(0).id());
        assertEquals(28, second.total());
        // A cursor that never was an id: the messages after it in id order.
        assertEquals("q010", QueueQuery.parse(params("limit", "1", "after", "q009x")).select(byId, e -> true)
                .items().get(0).id());
    }

    @Test
    void aFilteredWalkShouldSeeEachSelectedMessageOnceAndCountTheWholeQueue() {
        TreeMap<String, Envelope> byId = queue(250);
        QueueQuery q = QueueQuery.parse(params("limit", "30", "domain", "b.test"));
        List<QueueQuery.Page<Envelope>> pages = walk(byId, q, r -> "ready");
        List<String> expected = byId.values().stream().filter(e -> e.recipients().get(0).domain().equals("b.test"))
                .map(Envelope::id).toList();
        assertEquals(84, expected.size());
        assertEquals(expected, ids(pages));
        assertEquals(3, pages.size());
        pages.forEach(p -> assertEquals(84, p.total(), "total counts before the cursor too"));
        assertEquals(Optional.of(expected.get(29)), pages.get(0).next());
    }

    @Test
    void anUnfilteredPageShouldNotTestTheEntries() {
        TreeMap<String, Envelope> byId = queue(50);
        Map<String, Integer> tested = new HashMap<>();
        QueueQuery.parse(params("limit", "10")).select(byId, e -> {
            tested.merge(e.id(), 1, Integer::sum);
            return true;
        });
        assertEquals(Map.of(), tested);
    }
}
