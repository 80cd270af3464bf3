package org.postroom.queue;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.postroom.auth.Accounts;
import org.postroom.config.Settings;
import org.postroom.metrics.Metrics;
import org.postroom.store.MaildirStore;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The outbound queue: owns the durable {@link FileSpool} and the per-recipient delivery state.
 * Rebuilds from disk at start (and on a supervised restart).
 *
 * <p>Work is pulled: {@link Pull} answers {@link Work} (one message's ready recipients in one
 * domain, as a {@link WorkItem}: ids and envelope, never the body; with {@code max} above one, up to
 * that many such items of one domain, cut so that no session takes more than a quarter of its even
 * share of the ready work) or {@link NothingReady}; each item is leased to the puller until it sends
 * {@link Report} (per-recipient {@link DeliveryOutcome}; {@link Reports} for several at once) or
 * {@link Return} (no host could be tried: not an attempt, held back until the next cycle). A
 * puller that stops with leases has them released. {@link CountReady} tells the router how much work
 * is ready (and, with {@code newCycle}, starts a new delivery cycle: held items and expired messages
 * are dealt with). New mail from {@link FileSpool#enqueue} arrives as {@link Enqueued} and is
 * announced to the {@link Subscribe}d listeners as {@link WorkAvailable}.
 *
 * <p>Applies {@code outbound.retry-schedule} (the last step repeats) and {@code outbound.queue-lifetime};
 * every newly failed recipient set of a message produces one DSN to the envelope sender (into the
 * local Maildir when the sender's domain is local, else queued with the null sender); the null
 * sender gets none. Publishes {@code queueMessages} and {@code deliveries{result}} per recipient.
 * Runs its blocking spool I/O inline, so it must be spawned on a blocking dispatcher.
 *
 * <p>For the operator (admin {@code /queue}, {@code postroom queue}): {@link ListQueue} (answers
 * {@link Listing}: one page of the messages a {@link QueueQuery} selects, in queue-id order; only that
 * page's views are built), {@link ShowMessage} ({@link Shown} with the header section, or {@link UnknownMessage}),
 * {@link FlushQueue} (every deferred recipient ready now, held items released, listeners told; answers
 * {@link Flushed}), {@link RetryMessage} and {@link DeleteMessage} (durable removal, no bounce; both answer
 * {@link Controlled}). Flush and retry persist the new due time, so a restart does not undo them.
 */
public final class QueueActor extends AbstractBehavior<QueueActor.Command> {

    public interface Command {}

    /**
     * Asks for the next ready item; {@code session} is the delivery actor (watched: its leases come back
     * when it stops), {@code preferredDomain} the domain its open connection serves, or null.
     */
    public record Pull(ActorRef<PullReply> replyTo, String preferredDomain, ActorRef<?> session, int max)
            implements Command {
        public Pull {
            if (max < 1) {
                throw new IllegalArgumentException("max must be at least 1: " + max);
            }
        }

        public Pull(ActorRef<PullReply> replyTo, String preferredDomain, ActorRef<?> session) {
            this(replyTo, preferredDomain, session, 1);
        }

        public Pull(ActorRef<PullReply> replyTo, String preferredDomain) {
            this(replyTo, preferredDomain, replyTo);
        }
    }

    /**
     * The router started {@code session}, which will pull soon: until it does (or stops), one ready
     * item counts as taken in {@link CountReady}, so the router does not start sessions for work that
     * is already spoken for.
     */
    public record Reserve(ActorRef<?> session) implements Command {}

    public sealed interface PullReply permits Work, NothingReady {}

    /**
     * Ready items, at least one and at most the pull's {@code max}, all for one domain (the preferred
     * one when it has any). Each is leased to the puller until reported or returned.
     */
    public record Work(List<WorkItem> items) implements PullReply {
        public Work {
            items = List.copyOf(items);
            if (items.isEmpty()) {
                throw new IllegalArgumentException("no items");
            }
        }

        public Work(WorkItem item) {
            this(List.of(item));
        }

        /** The first (with a pull of one, the only) item. */
        public WorkItem item() {
            return items.get(0);
        }
    }

    public record NothingReady() implements PullReply {}

    /** Results for the recipients of an item; recipients left out stay pending, unchanged. */
    public record Report(WorkItem item, Map<String, DeliveryOutcome> outcomes) implements Command {}

    /**
     * Several {@link Report}s at once (a session's run of messages over one connection): handled as
     * if sent one by one, with one status refresh after them.
     */
    public record Reports(List<Report> reports) implements Command {
        public Reports {
            reports = List.copyOf(reports);
        }
    }

    /** The item could not be tried (every host cached or without a free token). */
    public record Return(WorkItem item) implements Command {}

    public record CountReady(ActorRef<ReadyCount> replyTo, boolean newCycle) implements Command {}

    public record ReadyCount(int ready) {}

    public record Subscribe(ActorRef<WorkAvailable> listener) implements Command {}

    public record WorkAvailable() {}

    /** Answers once every message sent to the queue before it has been handled (results persisted). */
    public record Flush(ActorRef<org.apache.pekko.Done> replyTo) implements Command {}

    /** Live reload: the retry schedule and queue lifetime apply from the next result on. */
    public record UpdateSettings(Settings settings) implements Command {}

    /** A new entry made durable by the spool. */
    public record Enqueued(Envelope envelope) implements Command {}

    /** For tests and /status: the in-memory state of one entry. */
    public record Inspect(String queueId, ActorRef<java.util.Optional<Envelope>> replyTo) implements Command {}

    private record PullerTerminated(ActorRef<?> puller) implements Command {}

    // ---- Operator control (admin API and CLI: postroom queue list|show|flush|retry|delete) ----

    /**
     * Answers a {@link Listing}: the page of queued messages that {@code query} selects, in queue-id
     * (arrival) order; with {@link QueueQuery#ALL}, every queued message.
     */
    public record ListQueue(QueueQuery query, ActorRef<Listing> replyTo) implements Command {
        public ListQueue(ActorRef<Listing> replyTo) {
            this(QueueQuery.ALL, replyTo);
        }
    }

    /** Answers {@link Shown} (with the message's header section) or {@link UnknownMessage}. */
    public record ShowMessage(String queueId, ActorRef<ShowReply> replyTo) implements Command {}

    /**
     * Every deferred recipient becomes ready now, held-back items too, and the subscribed routers are
     * told there is work (a delivery cycle starts). Answers {@link Flushed}.
     */
    public record FlushQueue(ActorRef<Flushed> replyTo) implements Command {}

    /** This message's pending recipients become ready now. Answers {@link Controlled}. */
    public record RetryMessage(String queueId, ActorRef<Controlled> replyTo) implements Command {}

    /**
     * Removes the message from the spool durably, without a bounce. A recipient leased to a delivery
     * session at that moment may still go out (its report is then ignored). Answers {@link Controlled}.
     */
    public record DeleteMessage(String queueId, ActorRef<Controlled> replyTo) implements Command {}

    /** A recipient as the operator sees it; {@code state} is one of {@link #STATES}. */
    public record RecipientView(String address, String state, int attempts, Instant nextAttempt, String lastError) {}

    /** The recipient states shown to the operator. */
    public static final List<String> STATES = List.of("ready", "deferred", "held", "in-flight", "delivered", "failed");

    public record MessageView(String id, String sender, Instant created, long size, List<RecipientView> recipients) {
        public MessageView {
            recipients = List.copyOf(recipients);
        }

        /** The most failed attempts of any recipient. */
        public int attempts() {
            return recipients.stream().mapToInt(RecipientView::attempts).max().orElse(0);
        }

        /** The earliest next attempt of a recipient still to deliver, or null when none is pending. */
        public Instant nextAttempt() {
            return recipients.stream().filter(r -> !r.state().equals("delivered") && !r.state().equals("failed"))
                    .map(RecipientView::nextAttempt).min(Instant::compareTo).orElse(null);
        }
    }

    /**
     * A page of the queue as of {@code asOf} (the queue's clock): {@code total} messages are selected
     * by the query in the whole queue; {@code next} is the cursor ({@code after}) of the following page,
     * empty when this page is the last.
     */
    public record Listing(Instant asOf, List<MessageView> messages, int total, Optional<String> next) {
        public Listing {
            messages = List.copyOf(messages);
        }
    }

    public sealed interface ShowReply permits Shown, UnknownMessage {}

    /** {@code headers}: the message's header section as spooled (CRLF), at most 64 KiB. */
    public record Shown(Instant asOf, MessageView message, String headers) implements ShowReply {}

    public record UnknownMessage(String queueId) implements ShowReply {}

    /** {@code recipients} made ready, in {@code messages} messages. */
    public record Flushed(int messages, int recipients) {}

    /** The answer to retry/delete: {@code found} false for an unknown id; {@code recipients} affected. */
    public record Controlled(String queueId, boolean found, int recipients) {}

    private static final int MAX_HEADER_BYTES = 64 * 1024;

    public static Behavior<Command> create(Settings settings, FileSpool spool, MaildirStore store,
                                           Accounts accounts, Metrics metrics, Clock clock) {
        return Behaviors.<Command>supervise(Behaviors.setup(
                        ctx -> new QueueActor(ctx, settings, spool, store, accounts, metrics, clock)))
                .onFailure(SupervisorStrategy.restart());
    }

    private Settings settings;
    private final FileSpool spool;
    private final MaildirStore store;
    private final Accounts accounts;
    private final Metrics metrics;
    private final Clock clock;
    private final Map<String, Envelope> entries = new LinkedHashMap<>();
    /** The same entries by queue id, for the operator's paged listing (a stable cursor order). */
    private final TreeMap<String, Envelope> byId = new TreeMap<>();
    private final Map<String, ActorRef<?>> leases = new HashMap<>();
    private final Set<String> held = new HashSet<>();
    private final Set<ActorRef<?>> watched = new HashSet<>();
    private final Set<ActorRef<?>> reserved = new HashSet<>();
    /** Sessions that have pulled (a Reserve arriving after the session's first Pull is moot). */
    private final Set<ActorRef<?>> pulled = new HashSet<>();
    private final Set<ActorRef<WorkAvailable>> listeners = new HashSet<>();

    private QueueActor(ActorContext<Command> ctx, Settings settings, FileSpool spool, MaildirStore store,
                       Accounts accounts, Metrics metrics, Clock clock) throws IOException {
        super(ctx);
        this.settings = settings;
        this.spool = spool;
        this.store = store;
        this.accounts = accounts;
        this.metrics = metrics;
        this.clock = clock;
        ActorRef<Command> self = ctx.getSelf();
        // Listen before loading: an entry enqueued meanwhile arrives twice and is deduplicated by id.
        spool.setListener(env -> self.tell(new Enqueued(env)));
        List<String> problems = new ArrayList<>();
        for (Envelope e : spool.loadAll(problems)) {
            putEntry(e);
        }
        for (String p : problems) {
            ctx.getLog().warn("spool entry skipped: {}", p);
        }
        metrics.addStatusSection("queue", () -> status);
        if (!entries.isEmpty()) {
            ctx.getLog().info("outbound queue recovered {} message(s) from {}", entries.size(), spool.dir());
        }
        publish();
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Pull.class, this::onPull)
                .onMessage(Reserve.class, this::onReserve)
                .onMessage(Report.class, this::onReport)
                .onMessage(Reports.class, this::onReports)
                .onMessage(Return.class, this::onReturn)
                .onMessage(CountReady.class, this::onCountReady)
                .onMessage(Subscribe.class, this::onSubscribe)
                .onMessage(Enqueued.class, this::onEnqueued)
                .onMessage(Inspect.class, this::onInspect)
                .onMessage(Flush.class, m -> {
                    m.replyTo().tell(org.apache.pekko.Done.getInstance());
                    return this;
                })
                .onMessage(UpdateSettings.class, m -> {
                    settings = m.settings();
                    return this;
                })
                .onMessage(PullerTerminated.class, this::onPullerTerminated)
                .onMessage(ListQueue.class, this::onListQueue)
                .onMessage(ShowMessage.class, this::onShowMessage)
                .onMessage(FlushQueue.class, this::onFlushQueue)
                .onMessage(RetryMessage.class, this::onRetryMessage)
                .onMessage(DeleteMessage.class, this::onDeleteMessage)
                .build();
    }

    private Behavior<Command> onPull(Pull m) {
        reserved.remove(m.session());
        pulled.add(m.session());
        watch(m.session());
        List<WorkItem> items = nextReady(m.preferredDomain(), m.max());
        if (items.isEmpty()) {
            m.replyTo().tell(new NothingReady());
            return this;
        }
        for (WorkItem item : items) {
            leases.put(item.key(), m.session());
        }
        m.replyTo().tell(new Work(items));
        return this;
    }

    private Behavior<Command> onReserve(Reserve m) {
        if (!pulled.contains(m.session())) {
            reserved.add(m.session());
            watch(m.session());
        }
        return this;
    }

    private void watch(ActorRef<?> session) {
        if (watched.add(session)) {
            getContext().watchWith(session, new PullerTerminated(session));
        }
    }

    private Behavior<Command> onReport(Report m) {
        apply(m);
        publish();
        return this;
    }

    private Behavior<Command> onReports(Reports m) {
        for (Report r : m.reports()) {
            apply(r);
        }
        publish();
        return this;
    }

    /**
     * How many items one pull may take: at most what the session asks for, and at most a quarter of
     * an even share of the ready work among {@code outbound.max-sessions} sessions, so batches never
     * starve the other sessions (20 ready for 5 sessions: one at a time, 5 × 4 as DESIGN.md says) and
     * shrink to one as the queue empties.
     */
    private int batchSize(int max, long ready) {
        if (max <= 1) {
            return 1;
        }
        int sessions = Math.max(1, settings.outbound().maxSessions());
        return (int) Math.max(1, Math.min(max, ready / (4L * sessions)));
    }

    private void apply(Report m) {
        leases.remove(m.item().key());
        Envelope env = entries.get(m.item().queueId());
        if (env == null) {
            return;
        }
        Instant now = clock.instant();
        boolean expired = expired(env, now);
        List<RecipientState> updated = new ArrayList<>();
        List<RecipientState> newlyFailed = new ArrayList<>();
        for (RecipientState r : env.recipients()) {
            DeliveryOutcome o = r.pending() ? m.outcomes().get(r.address()) : null;
            if (o == null) {
                updated.add(r);
                continue;
            }
            RecipientState next;
            if (o instanceof DeliveryOutcome.Delivered d) {
                next = r.delivered(d.reason());
                metrics.delivery("delivered");
            } else if (o instanceof DeliveryOutcome.Deferred d && !expired) {
                next = r.deferred(d.reason(), now.plus(retryDelay(r.attempts())));
                metrics.delivery("deferred");
            } else if (o instanceof DeliveryOutcome.Deferred d) {
                next = r.failed("delivery time expired, last error: " + d.reason());
                newlyFailed.add(next);
                metrics.delivery("bounced");
            } else {
                next = r.failed(o.reason());
                newlyFailed.add(next);
                metrics.delivery("bounced");
            }
            updated.add(next);
        }
        save(env.withRecipients(updated), newlyFailed);
    }

    private Behavior<Command> onReturn(Return m) {
        leases.remove(m.item().key());
        held.add(m.item().key());
        return this;
    }

    private Behavior<Command> onCountReady(CountReady m) {
        if (m.newCycle()) {
            held.clear();
            expireOld();
        }
        m.replyTo().tell(new ReadyCount(Math.max(0, countReady() - reserved.size())));
        return this;
    }

    private Behavior<Command> onSubscribe(Subscribe m) {
        listeners.add(m.listener());
        if (countReady() > 0) {
            m.listener().tell(new WorkAvailable());
        }
        return this;
    }

    private Behavior<Command> onEnqueued(Enqueued m) {
        if (putEntryIfAbsent(m.envelope())) {
            publish();
            listeners.forEach(l -> l.tell(new WorkAvailable()));
        }
        return this;
    }

    private Behavior<Command> onInspect(Inspect m) {
        m.replyTo().tell(java.util.Optional.ofNullable(entries.get(m.queueId())));
        return this;
    }

    private Behavior<Command> onPullerTerminated(PullerTerminated m) {
        watched.remove(m.puller());
        reserved.remove(m.puller());
        pulled.remove(m.puller());
        leases.values().removeIf(p -> p.equals(m.puller()));
        return this;
    }

    private Behavior<Command> onListQueue(ListQueue m) {
        Instant now = clock.instant();
        QueueQuery.Page<Envelope> page = m.query().select(byId, env -> m.query().matches(env, r -> state(env, r, now)));
        List<MessageView> views = new ArrayList<>(page.items().size());
        for (Envelope env : page.items()) {
            views.add(view(env, now));
        }
        m.replyTo().tell(new Listing(now, views, page.total(), page.next()));
        return this;
    }

    private Behavior<Command> onShowMessage(ShowMessage m) {
        Envelope env = entries.get(m.queueId());
        if (env == null) {
            m.replyTo().tell(new UnknownMessage(m.queueId()));
            return this;
        }
        Instant now = clock.instant();
        m.replyTo().tell(new Shown(now, view(env, now), headers(env.id())));
        return this;
    }

    private Behavior<Command> onFlushQueue(FlushQueue m) {
        held.clear();
        Instant now = clock.instant();
        int messages = 0;
        int recipients = 0;
        for (Envelope env : List.copyOf(entries.values())) {
            int n = makeReady(env, now);
            if (n > 0) {
                messages++;
                recipients += n;
            }
        }
        getContext().getLog().info("queue flushed by the operator: {} recipient(s) of {} message(s) made ready",
                recipients, messages);
        announce();
        m.replyTo().tell(new Flushed(messages, recipients));
        return this;
    }

    private Behavior<Command> onRetryMessage(RetryMessage m) {
        Envelope env = entries.get(m.queueId());
        if (env == null) {
            m.replyTo().tell(new Controlled(m.queueId(), false, 0));
            return this;
        }
        held.removeIf(k -> k.startsWith(env.id() + "|"));
        int n = makeReady(env, clock.instant());
        getContext().getLog().info("{}: retry requested by the operator ({} recipient(s) made ready)", env.id(), n);
        announce();
        m.replyTo().tell(new Controlled(env.id(), true, (int) env.recipients().stream()
                .filter(RecipientState::pending).count()));
        return this;
    }

    private Behavior<Command> onDeleteMessage(DeleteMessage m) {
        Envelope env = removeEntry(m.queueId());
        if (env == null) {
            m.replyTo().tell(new Controlled(m.queueId(), false, 0));
            return this;
        }
        held.removeIf(k -> k.startsWith(env.id() + "|"));
        try {
            spool.remove(env.id());
        } catch (IOException e) {
            getContext().getLog().error("cannot remove {} from the spool: {}", env.id(), e.toString());
        }
        int pending = (int) env.recipients().stream().filter(RecipientState::pending).count();
        getContext().getLog().info("{}: deleted by the operator, {} pending recipient(s) dropped without a bounce",
                env.id(), pending);
        publish();
        m.replyTo().tell(new Controlled(env.id(), true, pending));
        return this;
    }

    /** Sets every pending recipient due later to now; persists the change; returns how many changed. */
    private int makeReady(Envelope env, Instant now) {
        List<RecipientState> updated = new ArrayList<>();
        int changed = 0;
        for (RecipientState r : env.recipients()) {
            if (r.pending() && r.nextAttempt().isAfter(now)) {
                updated.add(new RecipientState(r.address(), r.status(), r.attempts(), now, r.lastError()));
                changed++;
            } else {
                updated.add(r);
            }
        }
        if (changed > 0) {
            save(env.withRecipients(updated), List.of());
            publish();
        }
        return changed;
    }

    private void announce() {
        if (countReady() > 0) {
            listeners.forEach(l -> l.tell(new WorkAvailable()));
        }
    }

    private MessageView view(Envelope env, Instant now) {
        List<RecipientView> rs = new ArrayList<>();
        for (RecipientState r : env.recipients()) {
            rs.add(new RecipientView(r.address(), state(env, r, now), r.attempts(), r.nextAttempt(), r.lastError()));
        }
        return new MessageView(env.id(), env.sender(), env.created(), env.size(), rs);
    }

    private String state(Envelope env, RecipientState r, Instant now) {
        if (r.status() == RecipientState.Status.DELIVERED) {
            return "delivered";
        }
        if (r.status() == RecipientState.Status.FAILED) {
            return "failed";
        }
        String key = env.id() + "|" + r.domain();
        if (leases.containsKey(key)) {
            return "in-flight";
        }
        if (r.nextAttempt().isAfter(now)) {
            return "deferred";
        }
        return held.contains(key) ? "held" : "ready";
    }

    /** The header section of a spooled message (up to the empty line), bounded. */
    private String headers(String id) {
        byte[] buf = new byte[MAX_HEADER_BYTES];
        int n = 0;
        try (java.io.InputStream in = java.nio.file.Files.newInputStream(spool.dir().resolve(id + ".msg"))) {
            int r;
            while (n < buf.length && (r = in.read(buf, n, buf.length - n)) > 0) {
                n += r;
            }
        } catch (IOException e) {
            return "";
        }
        String text = new String(buf, 0, n, java.nio.charset.StandardCharsets.UTF_8);
        int end = text.indexOf("\r\n\r\n");
        if (end >= 0) {
            return text.substring(0, end + 2);
        }
        end = text.indexOf("\n\n");
        return end >= 0 ? text.substring(0, end + 1) : text;
    }

    /**
     * The next ready units of work, all for one domain: the preferred domain's (the puller's open
     * connection) when it has any, else the first ready item's. With {@code max} above one, the batch
     * is cut to {@link #batchSize} of the ready work seen, and the scan stops once that is known.
     */
    private List<WorkItem> nextReady(String preferredDomain, int max) {
        Instant now = clock.instant();
        int sessions = Math.max(1, settings.outbound().maxSessions());
        // Ready units needed to allow a batch of max (see batchSize): no need to count beyond.
        long enough = max <= 1 ? 0 : 4L * sessions * max;
        List<WorkItem> batch = new ArrayList<>();
        WorkItem first = null;
        String domain = preferredDomain;
        long ready = 0;
        scan:
        for (Envelope env : entries.values()) {
            Map<String, List<String>> byDomain = readyByDomain(env, now);
            for (Map.Entry<String, List<String>> e : byDomain.entrySet()) {
                ready++;
                WorkItem item = new WorkItem(env.id(), env.sender(), e.getKey(), e.getValue(), env.size());
                if (first == null) {
                    first = item;
                    if (domain == null) {
                        domain = e.getKey();
                    }
                }
                if (batch.size() < max && domain.equals(e.getKey())) {
                    batch.add(item);
                }
                if (batch.size() >= max && ready >= enough) {
                    break scan;
                }
            }
        }
        if (batch.isEmpty()) {
            // Nothing for the preferred domain: the first ready item of another one.
            return first == null ? List.of() : List.of(first);
        }
        int size = batchSize(max, ready);
        return size >= batch.size() ? batch : List.copyOf(batch.subList(0, size));
    }

    private int countReady() {
        Instant now = clock.instant();
        int n = 0;
        for (Envelope env : entries.values()) {
            n += readyByDomain(env, now).size();
        }
        return n;
    }

    private Map<String, List<String>> readyByDomain(Envelope env, Instant now) {
        Map<String, List<String>> byDomain = new LinkedHashMap<>();
        for (RecipientState r : env.recipients()) {
            if (r.pending() && !r.nextAttempt().isAfter(now)) {
                String key = env.id() + "|" + r.domain();
                if (!leases.containsKey(key) && !held.contains(key)) {
                    byDomain.computeIfAbsent(r.domain(), d -> new ArrayList<>()).add(r.address());
                }
            }
        }
        return byDomain;
    }

    private boolean expired(Envelope env, Instant now) {
        return !now.isBefore(env.created().plus(settings.outbound().queueLifetime()));
    }

    /** Fails the pending recipients of messages past the queue lifetime that nobody is working on. */
    private void expireOld() {
        Instant now = clock.instant();
        for (Envelope env : List.copyOf(entries.values())) {
            if (!expired(env, now)) {
                continue;
            }
            List<RecipientState> updated = new ArrayList<>();
            List<RecipientState> newlyFailed = new ArrayList<>();
            for (RecipientState r : env.recipients()) {
                if (r.pending() && !leases.containsKey(env.id() + "|" + r.domain())) {
                    String last = r.lastError().isEmpty() ? "" : ", last error: " + r.lastError();
                    RecipientState f = r.failed("delivery time expired" + last);
                    newlyFailed.add(f);
                    updated.add(f);
                    metrics.delivery("bounced");
                } else {
                    updated.add(r);
                }
            }
            if (!newlyFailed.isEmpty()) {
                save(env.withRecipients(updated), newlyFailed);
                publish();
            }
        }
    }

    private Duration retryDelay(int attemptsSoFar) {
        List<Duration> schedule = settings.outbound().retrySchedule();
        return schedule.get(Math.min(attemptsSoFar, schedule.size() - 1));
    }

    private void save(Envelope env, List<RecipientState> newlyFailed) {
        byte[] body = null;
        if (!newlyFailed.isEmpty() && !env.sender().isEmpty()) {
            try {
                body = spool.readMessage(env.id());
            } catch (IOException e) {
                getContext().getLog().warn("cannot read {} for its bounce: {}", env.id(), e.toString());
                body = new byte[0];
            }
        }
        try {
            if (env.finished()) {
                removeEntry(env.id());
                spool.remove(env.id());
            } else {
                putEntry(env);
                spool.writeEnvelope(env);
            }
        } catch (IOException e) {
            // The in-memory state moves on; at worst a restart retries what was already done.
            getContext().getLog().error("cannot persist queue state of {}: {}", env.id(), e.toString());
        }
        if (body != null) {
            bounce(env, newlyFailed, body);
        }
    }

    private void bounce(Envelope env, List<RecipientState> failed, byte[] original) {
        String sender = env.sender();
        try {
            byte[] dsn = Dsn.build(settings.hostname(), env, failed, original, clock.instant());
            String domain = sender.substring(sender.lastIndexOf('@') + 1);
            if (settings.isLocalDomain(domain)) {
                if (accounts.exists(sender)) {
                    store.deliver(accounts.resolve(sender).orElse(sender), MaildirStore.crlfToLf(dsn));
                } else {
                    getContext().getLog().warn("bounce for {} dropped: no local account {}", env.id(), sender);
                }
            } else {
                // Known at once (the spool's announcement comes later and is deduplicated).
                Envelope b = spool.store("", List.of(sender), dsn);
                putEntryIfAbsent(b);
                listeners.forEach(l -> l.tell(new WorkAvailable()));
            }
        } catch (IOException | RuntimeException e) {
            getContext().getLog().error("cannot deliver the bounce for {} to {}: {}", env.id(), sender, e.toString());
        }
    }

    private volatile Map<String, Object> status = Map.of();

    // The figures of /status, kept up to date as entries come and go (a scan of the whole queue
    // after every report cost more than the delivery work at a few thousand queued messages).
    private int pendingRecipients;
    private int deferredRecipients;
    /** Creation times of the entries, with how many entries have each: the first is the oldest. */
    private final java.util.TreeMap<Instant, Integer> createdTimes = new java.util.TreeMap<>();

    private void putEntry(Envelope env) {
        Envelope old = entries.put(env.id(), env);
        byId.put(env.id(), env);
        if (old != null) {
            count(old, -1);
        }
        count(env, 1);
    }

    private boolean putEntryIfAbsent(Envelope env) {
        if (entries.putIfAbsent(env.id(), env) != null) {
            return false;
        }
        byId.put(env.id(), env);
        count(env, 1);
        return true;
    }

    private Envelope removeEntry(String id) {
        Envelope old = entries.remove(id);
        byId.remove(id);
        if (old != null) {
            count(old, -1);
        }
        return old;
    }

    private void count(Envelope env, int sign) {
        for (RecipientState r : env.recipients()) {
            if (r.pending()) {
                pendingRecipients += sign;
                if (r.attempts() > 0) {
                    deferredRecipients += sign;
                }
            }
        }
        createdTimes.merge(env.created(), sign, (a, b) -> a + b == 0 ? null : a + b);
    }

    private void publish() {
        metrics.queueMessages().set(entries.size());
        Instant oldest = createdTimes.isEmpty() ? null : createdTimes.firstKey();
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("messages", (long) entries.size());
        s.put("recipientsPending", pendingRecipients);
        s.put("recipientsDeferred", deferredRecipients);
        s.put("oldest", oldest == null ? "" : oldest.toString());
        status = s;
    }
}
