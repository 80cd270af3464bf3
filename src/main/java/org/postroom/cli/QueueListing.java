package org.postroom.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.postroom.queue.QueueQuery;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * The paging loop of {@code postroom queue list}: it walks {@code GET /queue} a page at a time
 * ({@code limit} = the page size, {@code after} = the previous page's {@code next}) with the filters
 * ({@code state}, {@code domain}) passed through as given, writes each page's lines of the
 * {@link QueueTables#list} table as the page arrives, and stops after the last page or once
 * {@code --limit} messages are written. Plain Java over a {@link Pages} source, tested without a socket.
 *
 * <p>Errors: HTTP 400 (the engine refused a filter; its message names it) is exit 2, like picocli's own
 * bad options and a refused reload; any other non-200, no answer, or a {@code next} that does not move
 * forward is exit 1. Lines already written stay written; the summary line comes only after a complete
 * walk, so a listing without it was cut short.
 *
 * <p>Pages are separate snapshots of the queue: a message that leaves during the walk may have been
 * listed, one that arrives may be listed (see {@link QueueQuery}). An engine older than paging ignores
 * the parameters and answers the whole queue without {@code next}: the walk is that one page, cut at
 * {@code --limit} here; a filter then fails (exit 1) rather than list the queue unfiltered.
 */
final class QueueListing {
    /** Messages per request unless {@code --page-size} says otherwise. */
    static final int DEFAULT_PAGE_SIZE = 500;

    /** Where the pages come from: the answer to {@code GET path}. */
    interface Pages {
        AdminClient.Answer get(String path) throws AdminClient.Failure;
    }

    private final String states;
    private final String domain;
    private final int limit;
    private final int pageSize;

    /**
     * @param states   {@code state} as sent ("deferred,held"); null = any (an empty one is sent, and refused)
     * @param domain   {@code domain} as sent; null = any
     * @param limit    at most this many messages in all; 0 = every selected message
     * @param pageSize messages per request, 1 to {@link QueueQuery#MAX_LIMIT}
     */
    QueueListing(String states, String domain, int limit, int pageSize) {
        if (limit < 0 || pageSize < 1 || pageSize > QueueQuery.MAX_LIMIT) {
            throw new IllegalArgumentException("limit " + limit + ", page size " + pageSize);
        }
        this.states = states;
        this.domain = domain;
        this.limit = limit;
        this.pageSize = pageSize;
    }

    private boolean filtered() {
        return states != null || domain != null;
    }

    /** The request for one page of at most {@code max} messages after {@code after} (null: the first). */
    String path(int max, String after) {
        StringBuilder p = new StringBuilder("/queue?limit=").append(max);
        if (states != null) {
            p.append("&state=").append(AdminCommand.encode(states));
        }
        if (domain != null) {
            p.append("&domain=").append(AdminCommand.encode(domain));
        }
        if (after != null) {
            p.append("&after=").append(AdminCommand.encode(after));
        }
        return p.toString();
    }

    /** Walks the pages, writing to {@code out} as they come; returns the exit code 0 or throws. */
    int write(Pages pages, PrintWriter out) throws AdminClient.Failure {
        QueueTables.ListTable table = new QueueTables.ListTable();
        String after = null;
        boolean cut = false;
        int total;
        while (true) {
            int room = limit == 0 ? Integer.MAX_VALUE : limit - table.messages();
            AdminClient.Answer answer = pages.get(path(Math.min(pageSize, room), after));
            if (answer.status() == 400) {
                throw new AdminClient.Failure(2, answer.error());
            }
            JsonNode doc = AdminClient.expectOk(answer).body();
            JsonNode messages = doc.path("messages");
            if (filtered() && !doc.has("total")) {
                throw new AdminClient.Failure(1, "the engine does not filter its queue listing "
                        + "(it is older than --state and --domain)");
            }
            out.print(table.page(doc, room));
            out.flush();
            total = doc.path("total").asInt(messages.size());
            String next = doc.path("next").isTextual() ? doc.path("next").asText() : null;
            if (messages.size() >= room) {
                cut = messages.size() > room || next != null;
                break;
            }
            if (next == null) {
                break;
            }
            if (messages.size() == 0 || (after != null && next.compareTo(after) <= 0)) {
                throw new AdminClient.Failure(1, "the engine's next page does not move forward (next " + next
                        + " after " + after + "); listing stopped");
            }
            after = next;
        }
        String note = cut ? String.format(Locale.ROOT, " (the first %d of %d)", table.messages(), total) : "";
        out.print(table.end(filtered() ? "No queued message matches.\n" : "The queue is empty.\n", note));
        out.flush();
        return 0;
    }
}
