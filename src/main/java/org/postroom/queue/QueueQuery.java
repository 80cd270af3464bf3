package org.postroom.queue;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Which queued messages an operator's listing shows ({@code GET /queue?limit=&after=&state=&domain=}),
 * and the paging itself: plain Java, used by {@link QueueActor} on its own state so that only one page
 * of views is built and sent.
 *
 * <p>Order: by queue id, ascending. Ids are time-ordered (see {@link FileSpool}), so this is arrival
 * order, and it is stable: a cursor ({@code after}) stays valid when the message it names has left the
 * queue meanwhile, and a message never moves between pages. Messages that leave while an operator
 * walks the pages are simply not shown again; those that arrive appear on a later page, except one whose
 * id sorts before the cursor (possible only once the walk has reached the newest messages).
 *
 * <p>Filters select whole messages (every recipient of a selected message is shown): a message is
 * selected when one of its recipients is in one of {@code states} (empty: any state) and in
 * {@code domain} (empty: any domain) at once. A domain is matched exactly, case-insensitively;
 * {@code .example.com} (leading dot, as in Postfix's tables) matches the subdomains of example.com, not
 * example.com itself.
 *
 * @param limit   at most this many messages; 0 = all (what {@code GET /queue} without parameters shows)
 * @param after   the queue id to continue after; "" = from the start
 * @param states  recipient states of {@link QueueActor#STATES}; empty = any
 * @param domain  a recipient domain, lower case, or ".parent" for its subdomains; "" = any
 */
public record QueueQuery(int limit, String after, Set<String> states, String domain) {

    /** The most messages one page holds; a larger {@code limit} parameter is cut to this. */
    public static final int MAX_LIMIT = 1000;

    /** The parameter names {@link #parse} knows. */
    public static final List<String> PARAMETERS = List.of("limit", "after", "state", "domain");

    /** Every message, no filter: the listing as it was before paging existed. */
    public static final QueueQuery ALL = new QueueQuery(0, "", Set.of(), "");

    public QueueQuery {
        if (limit < 0 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("limit must be 0 (all) to " + MAX_LIMIT + ": " + limit);
        }
        states = Set.copyOf(states);
        if (!QueueActor.STATES.containsAll(states)) {
            throw new IllegalArgumentException("unknown state in " + states);
        }
        after = after == null ? "" : after;
        if (!after.isEmpty() && !isQueueId(after)) {
            throw new IllegalArgumentException("not a queue id: " + after);
        }
        domain = domain == null ? "" : domain.toLowerCase(Locale.ROOT);
    }

    /** A bad request parameter; the message is meant for the operator (the admin API answers it with 400). */
    public static final class BadParameter extends IllegalArgumentException {
        BadParameter(String message) {
            super(message);
        }
    }

    /**
     * The query of request parameters ({@link #PARAMETERS}; none given: {@link #ALL}). {@code limit} is a
     * whole number from 1, cut to {@link #MAX_LIMIT}; {@code after} a queue id; {@code state} one or more
     * of {@link QueueActor#STATES}, comma-separated; {@code domain} a domain or ".domain".
     *
     * @throws BadParameter for an unknown parameter or a bad value, naming it
     */
    public static QueueQuery parse(Map<String, String> params) {
        for (String name : params.keySet()) {
            if (!PARAMETERS.contains(name)) {
                throw new BadParameter("unknown parameter " + name + " (known: " + String.join(", ", PARAMETERS) + ")");
            }
        }
        int limit = 0;
        String rawLimit = params.get("limit");
        if (rawLimit != null) {
            String digits = rawLimit.trim().replaceFirst("^0+", "");
            if (!rawLimit.trim().matches("[0-9]+") || digits.isEmpty()) {
                throw new BadParameter("limit must be a whole number from 1 (at most " + MAX_LIMIT
                        + " messages are returned): " + rawLimit);
            }
            limit = digits.length() > 9 ? MAX_LIMIT : Math.min(MAX_LIMIT, Integer.parseInt(digits));
        }
        String after = params.get("after");
        if (after != null && !isQueueId(after)) {
            throw new BadParameter("after must be a queue id (letters, digits, - and _): " + after);
        }
        Set<String> states = new LinkedHashSet<>();
        String rawState = params.get("state");
        if (rawState != null) {
            for (String s : rawState.split(",", -1)) {
                String state = s.trim().toLowerCase(Locale.ROOT);
                if (!QueueActor.STATES.contains(state)) {
                    throw new BadParameter("unknown state " + (s.isBlank() ? "\"\"" : s.trim()) + " (known: "
                            + String.join(", ", QueueActor.STATES) + "; several: state=deferred,held)");
                }
                states.add(state);
            }
        }
        String domain = params.get("domain");
        if (domain != null) {
            domain = domain.trim();
            String bare = domain.startsWith(".") ? domain.substring(1) : domain;
            if (bare.isEmpty() || bare.length() > 255 || bare.startsWith(".") || bare.contains("@")
                    || bare.chars().anyMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c))) {
                throw new BadParameter("domain must be a domain name (example.com, or .example.com for its "
                        + "subdomains): " + params.get("domain"));
            }
        }
        return new QueueQuery(limit, after, states, domain);
    }

    /** The form of a queue id that the admin API accepts (also in paths: no "/", "." or "%"). */
    public static boolean isQueueId(String id) {
        return !id.isEmpty() && id.length() <= 64
                && id.chars().allMatch(c -> c < 128 && (Character.isLetterOrDigit(c) || c == '-' || c == '_'));
    }

    /** True when a filter is set (not just limit/after). */
    public boolean filtered() {
        return !states.isEmpty() || !domain.isEmpty();
    }

    /**
     * Whether the message is selected: one recipient in the domain and in one of the states at once.
     * {@code stateOf} gives a recipient's operator state (asked only for recipients in the domain).
     */
    public boolean matches(Envelope env, Function<RecipientState, String> stateOf) {
        if (!filtered()) {
            return true;
        }
        for (RecipientState r : env.recipients()) {
            if (domainMatches(r.domain()) && (states.isEmpty() || states.contains(stateOf.apply(r)))) {
                return true;
            }
        }
        return false;
    }

    boolean domainMatches(String recipientDomain) {
        if (domain.isEmpty()) {
            return true;
        }
        String d = recipientDomain.toLowerCase(Locale.ROOT);
        return domain.startsWith(".") ? d.endsWith(domain) : d.equals(domain);
    }

    /**
     * One page: {@code items} in id order, {@code total} the selected messages in the whole queue (not
     * only after the cursor), {@code next} the cursor for the following page when more selected messages
     * follow this one.
     */
    public record Page<T>(List<T> items, int total, Optional<String> next) {
        public Page {
            items = List.copyOf(items);
        }
    }

    /**
     * This query's page of {@code byId} (entries keyed by queue id). Without a filter it costs the page
     * (plus a log-time seek to the cursor); with one, a pass over every entry with {@code selected} (to
     * count {@code total}), still building nothing but the page.
     */
    public <T> Page<T> select(NavigableMap<String, T> byId, Predicate<T> selected) {
        int max = limit == 0 ? Integer.MAX_VALUE : limit;
        List<T> items = new ArrayList<>();
        String last = null;
        boolean more = false;
        if (!filtered()) {
            Iterator<Map.Entry<String, T>> it = (after.isEmpty() ? byId : byId.tailMap(after, false))
                    .entrySet().iterator();
            while (it.hasNext() && items.size() < max) {
                Map.Entry<String, T> e = it.next();
                items.add(e.getValue());
                last = e.getKey();
            }
            more = it.hasNext();
            return new Page<>(items, byId.size(), more ? Optional.of(last) : Optional.empty());
        }
        int total = 0;
        for (Map.Entry<String, T> e : byId.entrySet()) {
            if (!selected.test(e.getValue())) {
                continue;
            }
            total++;
            if (!after.isEmpty() && e.getKey().compareTo(after) <= 0) {
                continue;
            }
            if (items.size() < max) {
                items.add(e.getValue());
                last = e.getKey();
            } else {
                more = true;
            }
        }
        return new Page<>(items, total, more ? Optional.of(last) : Optional.empty());
    }
}
