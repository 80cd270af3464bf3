package org.postroom.admin;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.postroom.hosthealth.HostHealth;
import org.postroom.net.IpRange;
import org.postroom.queue.QueueActor;
import org.postroom.queue.QueueQuery;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * The operator's control of the outbound queue and host health on the admin port (JSON):
 * <pre>
 * GET    /queue              every queued message with its recipients' states; paged and filtered with
 *                            ?limit=N&after=ID&state=S[,S...]&domain=D (see {@link QueueQuery})
 * GET    /queue/ID           one message: envelope, per-recipient state and last error, headers
 * POST   /queue/flush        every deferred recipient ready now; a delivery cycle starts
 * POST   /queue/ID/retry     this message now
 * DELETE /queue/ID           removed from the spool durably, no bounce (also POST /queue/ID/delete)
 * GET    /hosts              cached failures (expiry, reason), tokens per IP, the per-IP limit
 * POST   /hosts/forget?address=IP   clears a cached failure (also DELETE /hosts/IP)
 * </pre>
 * An unknown id or an address without a cached failure answers 404; an address that is not an IP
 * literal 400 (no DNS lookup is made), and so does a bad or unknown {@code GET /queue} parameter.
 *
 * <p>{@code GET /queue} answers {@code asOf}, {@code count} (messages in this answer), {@code total}
 * (messages the filter selects in the whole queue), {@code limit} (as applied, at most
 * {@value QueueQuery#MAX_LIMIT}; null when none was given: every selected message), {@code next} (the
 * {@code after} of the following page, null on the last) and {@code messages}. Without parameters it is
 * the whole queue, as before paging existed; the page is cut in the queue actor, not here.
 *
 * <p>Each request asks the {@link QueueActor} or {@link HostHealth} with {@link AskPattern} and waits at
 * most the timeout on the admin thread (503 when it passes).
 */
public final class QueueRoutes {
    private final ActorRef<QueueActor.Command> queue;
    private final ActorRef<HostHealth.Command> hostHealth;
    private final Scheduler scheduler;
    private final Duration timeout;

    public QueueRoutes(ActorRef<QueueActor.Command> queue, ActorRef<HostHealth.Command> hostHealth,
                       Scheduler scheduler, Duration timeout) {
        this.queue = queue;
        this.hostHealth = hostHealth;
        this.scheduler = scheduler;
        this.timeout = timeout;
    }

    /** Registers {@code /queue} and {@code /hosts} on the admin server. */
    public void install(AdminServer admin) {
        admin.onRoute("/queue", guarded(this::queue));
        admin.onRoute("/hosts", guarded(this::hosts));
    }

    private static AdminServer.Route guarded(AdminServer.Route route) {
        return (method, path, query) -> {
            try {
                return route.handle(method, path, query);
            } catch (NoAnswer e) {
                return AdminServer.JsonResponse.error(503, e.getMessage());
            }
        };
    }

    AdminServer.JsonResponse queue(String method, String path, Map<String, String> query) {
        String rest = path.length() > "/queue".length() ? path.substring("/queue/".length()) : "";
        String[] parts = rest.isEmpty() ? new String[0] : rest.split("/", -1);
        if (parts.length == 0) {
            if (!method.equals("GET")) {
                return notAllowed("GET");
            }
            QueueQuery q;
            try {
                q = QueueQuery.parse(query);
            } catch (QueueQuery.BadParameter e) {
                return AdminServer.JsonResponse.error(400, e.getMessage());
            }
            QueueActor.Listing l = ask(queue, replyTo -> new QueueActor.ListQueue(q, replyTo));
            List<Object> messages = new ArrayList<>();
            l.messages().forEach(m -> messages.add(message(m, l.asOf())));
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("asOf", l.asOf().toString());
            doc.put("count", l.messages().size());
            doc.put("total", l.total());
            doc.put("limit", q.limit() == 0 ? null : q.limit());
            doc.put("next", l.next().orElse(null));
            doc.put("messages", messages);
            return AdminServer.JsonResponse.ok(doc);
        }
        if (parts.length == 1 && parts[0].equals("flush")) {
            if (!method.equals("POST")) {
                return notAllowed("POST");
            }
            QueueActor.Flushed f = ask(queue, QueueActor.FlushQueue::new);
            return AdminServer.JsonResponse.ok(Map.of("flushed", true, "messages", f.messages(),
                    "recipients", f.recipients()));
        }
        String id = parts[0];
        if (!validId(id)) {
            return AdminServer.JsonResponse.error(404, "no queued message " + id);
        }
        if (parts.length == 1) {
            if (method.equals("GET")) {
                QueueActor.ShowReply r = ask(queue, replyTo -> new QueueActor.ShowMessage(id, replyTo));
                if (r instanceof QueueActor.Shown s) {
                    Map<String, Object> doc = message(s.message(), s.asOf());
                    doc.put("headers", s.headers());
                    return AdminServer.JsonResponse.ok(doc);
                }
                return AdminServer.JsonResponse.error(404, "no queued message " + id);
            }
            if (method.equals("DELETE")) {
                return delete(id);
            }
            return notAllowed("GET, DELETE");
        }
        if (parts.length == 2 && (parts[1].equals("retry") || parts[1].equals("delete"))) {
            if (!method.equals("POST")) {
                return notAllowed("POST");
            }
            if (parts[1].equals("delete")) {
                return delete(id);
            }
            QueueActor.Controlled c = ask(queue, replyTo -> new QueueActor.RetryMessage(id, replyTo));
            if (!c.found()) {
                return AdminServer.JsonResponse.error(404, "no queued message " + id);
            }
            return AdminServer.JsonResponse.ok(Map.of("id", id, "retried", true, "recipients", c.recipients()));
        }
        return AdminServer.JsonResponse.error(404, "not found");
    }

    private AdminServer.JsonResponse delete(String id) {
        QueueActor.Controlled c = ask(queue, replyTo -> new QueueActor.DeleteMessage(id, replyTo));
        if (!c.found()) {
            return AdminServer.JsonResponse.error(404, "no queued message " + id);
        }
        return AdminServer.JsonResponse.ok(Map.of("id", id, "deleted", true, "recipientsDropped", c.recipients()));
    }

    AdminServer.JsonResponse hosts(String method, String path, Map<String, String> query) {
        if (path.equals("/hosts")) {
            if (!method.equals("GET")) {
                return notAllowed("GET");
            }
            HostHealth.Snapshot s = ask(hostHealth, HostHealth.GetSnapshot::new);
            List<Object> cached = new ArrayList<>();
            for (HostHealth.CachedFailure f : s.cachedFailures()) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("address", f.address().getHostAddress());
                row.put("failedUntil", f.failedUntil().toString());
                row.put("expiresInSeconds", Math.max(0, Duration.between(s.asOf(), f.failedUntil()).toSeconds()));
                row.put("reason", f.reason());
                cached.add(row);
            }
            List<Object> tokens = new ArrayList<>();
            s.tokens().forEach((ip, n) -> tokens.add(Map.of("address", ip.getHostAddress(), "tokens", n)));
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("asOf", s.asOf().toString());
            doc.put("cachedFailures", cached);
            doc.put("tokens", tokens);
            doc.put("tokensInUse", s.tokens().values().stream().mapToInt(Integer::intValue).sum());
            doc.put("maxConnectionsPerIp", s.limit());
            doc.put("trustedIps", s.trustedIps());
            doc.put("trustedIpsUseConnectionLimit", s.trustedIpsUseConnectionLimit());
            doc.put("reservedIpsUseConnectionLimit", s.reservedIpsUseConnectionLimit());
            return AdminServer.JsonResponse.ok(doc);
        }
        String address;
        if (path.equals("/hosts/forget")) {
            if (!method.equals("POST")) {
                return notAllowed("POST");
            }
            address = query.get("address");
            if (address == null || address.isBlank()) {
                return AdminServer.JsonResponse.error(400, "missing parameter address");
            }
        } else {
            if (!method.equals("DELETE")) {
                return notAllowed("DELETE");
            }
            address = path.substring("/hosts/".length());
        }
        InetAddress ip;
        try {
            ip = InetAddress.getByAddress(IpRange.literal(address.trim()));
        } catch (IllegalArgumentException | UnknownHostException e) {
            return AdminServer.JsonResponse.error(400, "not an IP address: " + address
                    + " (the failure cache is keyed by the address dialled)");
        }
        HostHealth.Forgotten f = ask(hostHealth, replyTo -> new HostHealth.Forget(ip, replyTo));
        if (!f.wasCached()) {
            return AdminServer.JsonResponse.error(404, "no cached failure for " + ip.getHostAddress());
        }
        return AdminServer.JsonResponse.ok(Map.of("address", ip.getHostAddress(), "forgotten", true));
    }

    private static Map<String, Object> message(QueueActor.MessageView m, Instant asOf) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("id", m.id());
        doc.put("sender", m.sender());
        doc.put("created", m.created().toString());
        doc.put("ageSeconds", Math.max(0, Duration.between(m.created(), asOf).toSeconds()));
        doc.put("size", m.size());
        doc.put("attempts", m.attempts());
        Instant next = m.nextAttempt();
        doc.put("nextAttempt", next == null ? null : next.toString());
        List<Object> rcpts = new ArrayList<>();
        for (QueueActor.RecipientView r : m.recipients()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("address", r.address());
            row.put("state", r.state());
            row.put("attempts", r.attempts());
            row.put("nextAttempt", r.nextAttempt().toString());
            row.put("lastError", r.lastError());
            rcpts.add(row);
        }
        doc.put("recipients", rcpts);
        return doc;
    }

    private static boolean validId(String id) {
        return QueueQuery.isQueueId(id);
    }

    private static AdminServer.JsonResponse notAllowed(String allowed) {
        return AdminServer.JsonResponse.error(405, "use " + allowed);
    }

    /** Thrown when the actor did not answer in time; the route answers 503. */
    static final class NoAnswer extends RuntimeException {
        NoAnswer(String message) {
            super(message);
        }
    }

    private <C, R> R ask(ActorRef<C> target, Function<ActorRef<R>, C> message) {
        try {
            return AskPattern.<C, R>ask(target, message::apply, timeout, scheduler).toCompletableFuture()
                    .get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NoAnswer("interrupted");
        } catch (ExecutionException | TimeoutException e) {
            throw new NoAnswer(target.path().name() + " did not answer within " + timeout.toMillis() + " ms");
        }
    }
}
