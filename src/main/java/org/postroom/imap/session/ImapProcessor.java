package org.postroom.imap.session;

import org.postroom.auth.Accounts;
import org.postroom.imap.codec.FetchAttribute;
import org.postroom.imap.codec.FetchAttribute.BodySection;
import org.postroom.imap.codec.ImapCommand;
import org.postroom.imap.codec.ImapRequest;
import org.postroom.imap.codec.ImapStrings;
import org.postroom.imap.codec.SequenceSet;
import org.postroom.imap.mailbox.FolderIndex;
import org.postroom.imap.mailbox.MailboxNames;
import org.postroom.imap.mailbox.MailboxRegistry;
import org.postroom.imap.mailbox.MaildirFlags;
import org.postroom.imap.mailbox.MessageRecord;
import org.postroom.imap.mailbox.MessageSummaries;
import org.postroom.imap.message.ImapMessage;
import org.postroom.store.MaildirStore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Runs IMAP commands against the Maildir store for one session: the processor of the decode →
 * request → process → respond chain. Its methods block on file I/O, so the handler calls them inside
 * {@code awaitBlocking}; it owns the session's authentication state and selected-folder view, which
 * only it touches, one command at a time. Each command writes its untagged responses, then (when a
 * folder is selected) the updates other sessions caused, then its tagged completion.
 */
final class ImapProcessor {
    static final String CAPABILITIES =
            "IMAP4rev1 LITERAL+ SASL-IR IDLE UIDPLUS MOVE NAMESPACE ID ENABLE UNSELECT CHILDREN SPECIAL-USE AUTH=PLAIN AUTH=LOGIN";
    private static final String SUBSCRIPTIONS = "subscriptions";

    private final Accounts accounts;
    private final MaildirStore store;
    private final MailboxRegistry registry;
    private String account;
    private SelectedMailbox selected;
    /** The last few messages read, so partial fetches of one message do not re-read its file. */
    private final Map<String, ImapMessage> cache = new LinkedHashMap<>(4, 0.75f, true);
    private static final int CACHE_ENTRIES = 3;
    private static final long CACHE_BYTES = 16L << 20;

    ImapProcessor(Accounts accounts, MaildirStore store, MailboxRegistry registry) {
        this(accounts, store, registry, org.postroom.auth.AuthThrottle.disabled(), "");
    }

    ImapProcessor(Accounts accounts, MaildirStore store, MailboxRegistry registry,
                  org.postroom.auth.AuthThrottle throttle, String peerIp) {
        this.accounts = accounts;
        this.store = store;
        this.registry = registry;
        this.throttle = throttle;
        this.peerIp = peerIp;
    }

    private final org.postroom.auth.AuthThrottle throttle;
    private final String peerIp;
    /** The pause the shared throttle asks for before the last failed login is answered. */
    private java.time.Duration lastFailurePause = java.time.Duration.ZERO;

    java.time.Duration lastFailurePause() {
        return lastFailurePause;
    }

    String account() {
        return account;
    }

    boolean isSelected() {
        return selected != null;
    }

    // ---- authentication

    /** LOGIN and AUTHENTICATE PLAIN end here. */
    boolean login(String tag, String user, String password, Responses out) throws IOException {
        lastFailurePause = java.time.Duration.ZERO;
        if (throttle.check(peerIp, user) instanceof org.postroom.auth.AuthThrottle.Refused) {
            // Locked out (shared with SMTP AUTH and POP3): refused without checking the password.
            out.line(tag + " NO [UNAVAILABLE] Too many failed logins, try again later");
            return false;
        }
        Optional<String> who = accounts.authenticate(user, password);
        if (who.isEmpty()) {
            lastFailurePause = throttle.failed(peerIp, user);
            out.line(tag + " NO [AUTHENTICATIONFAILED] Invalid credentials");
            return false;
        }
        throttle.succeeded(peerIp, user);
        account = who.get();
        MaildirStore.ensureMaildir(store.inbox(account));
        out.line(tag + " OK [CAPABILITY " + CAPABILITIES + "] Logged in");
        return true;
    }

    void authenticatePlain(String tag, String base64, Responses out) throws IOException {
        byte[] decoded;
        try {
            decoded = Base64.getMimeDecoder().decode(base64.strip());
        } catch (IllegalArgumentException e) {
            out.line(tag + " BAD Invalid base64");
            return;
        }
        String[] parts = new String(decoded, StandardCharsets.UTF_8).split("\0", -1);
        if (parts.length != 3) {
            out.line(tag + " BAD Invalid PLAIN response");
            return;
        }
        if (!parts[0].isEmpty() && !parts[0].equalsIgnoreCase(parts[1])
                && !accounts.resolve(parts[0]).equals(accounts.resolve(parts[1]))) {
            out.line(tag + " NO [AUTHORIZATIONFAILED] Cannot act as " + parts[0]);
            return;
        }
        login(tag, parts[1], parts[2], out);
    }

    // ---- dispatch (authenticated and selected states)

    void execute(ImapRequest request, Responses out) throws IOException {
        String tag = request.tag();
        ImapCommand cmd = request.command();
        if (account == null) {
            out.line(tag + " BAD " + cmd.name() + " needs authentication first");
            return;
        }
        boolean needsSelected = cmd instanceof ImapCommand.Fetch || cmd instanceof ImapCommand.Store
                || cmd instanceof ImapCommand.Search || cmd instanceof ImapCommand.Copy
                || cmd instanceof ImapCommand.Expunge || cmd instanceof ImapCommand.Close
                || cmd instanceof ImapCommand.Unselect;
        if (needsSelected && selected == null) {
            out.line(tag + " BAD " + cmd.name() + " needs a selected mailbox");
            return;
        }
        String done;
        try {
            done = run(cmd, out);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        if (done == null) {
            pendingTag = tag;
            pendingCommand = cmd;
            return; // a FETCH continues in continueFetch
        }
        finish(tag, cmd, done, out);
    }

    private void finish(String tag, ImapCommand cmd, String done, Responses out) throws IOException {
        if (selected != null && done.startsWith("OK") || selected != null && done.startsWith("NO")) {
            boolean seqCommand = (cmd instanceof ImapCommand.Fetch f && !f.uid())
                    || (cmd instanceof ImapCommand.Store s && !s.uid())
                    || (cmd instanceof ImapCommand.Search s2 && !s2.uid());
            selected.sync(!seqCommand, out);
        }
        out.line(tag + " " + done);
    }

    /** True while a FETCH has more messages to send: the handler calls {@link #continueFetch}. */
    boolean hasPendingFetch() {
        return pendingFetch != null;
    }

    /** The next batch of a big FETCH (and its completion once the last message is out). */
    void continueFetch(Responses out) throws IOException {
        String done;
        try {
            done = fetchBatch(out);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        if (done != null) {
            String tag = pendingTag;
            ImapCommand cmd = pendingCommand;
            pendingTag = null;
            pendingCommand = null;
            finish(tag, cmd, done, out);
        }
    }

    /** Untagged updates for a session in IDLE (or after NOOP). */
    void sync(Responses out) throws IOException {
        if (selected != null) {
            selected.index.expectOutsideChange();
            selected.sync(true, out);
        }
    }

    private String run(ImapCommand cmd, Responses out) throws IOException {
        if (cmd instanceof ImapCommand.Select c) {
            return select(c, out);
        }
        if (cmd instanceof ImapCommand.Noop || cmd instanceof ImapCommand.Check) {
            return "OK " + cmd.name() + " completed";
        }
        if (cmd instanceof ImapCommand.Create c) {
            return create(c.mailbox());
        }
        if (cmd instanceof ImapCommand.Delete c) {
            return delete(c.mailbox());
        }
        if (cmd instanceof ImapCommand.Rename c) {
            return rename(c.from(), c.to());
        }
        if (cmd instanceof ImapCommand.Subscribe c) {
            return subscribe(c.mailbox(), c.subscribe());
        }
        if (cmd instanceof ImapCommand.ListMailboxes c) {
            return c.lsub() ? lsub(c, out) : list(c, out);
        }
        if (cmd instanceof ImapCommand.Status c) {
            return status(c, out);
        }
        if (cmd instanceof ImapCommand.Append c) {
            return append(c);
        }
        if (cmd instanceof ImapCommand.Close) {
            if (!selected.readOnly) {
                expungeDeleted(null, null);
            }
            selected = null;
            return "OK CLOSE completed";
        }
        if (cmd instanceof ImapCommand.Unselect) {
            selected = null;
            return "OK UNSELECT completed";
        }
        if (cmd instanceof ImapCommand.Expunge c) {
            if (selected.readOnly) {
                return "NO Mailbox is read-only";
            }
            expungeDeleted(c.uids(), out);
            return "OK " + c.name() + " completed";
        }
        if (cmd instanceof ImapCommand.Search c) {
            return search(c, out);
        }
        if (cmd instanceof ImapCommand.Fetch c) {
            return fetch(c, out);
        }
        if (cmd instanceof ImapCommand.Store c) {
            return storeFlags(c, out);
        }
        if (cmd instanceof ImapCommand.Copy c) {
            return copy(c, out);
        }
        return "BAD " + cmd.name() + " is not allowed here";
    }

    // ---- folders

    private Path folderDir(String mailbox) {
        return store.folder(account, MailboxNames.canonical(mailbox));
    }

    private boolean folderExists(String mailbox) {
        return Files.isDirectory(folderDir(mailbox).resolve("cur"));
    }

    private String select(ImapCommand.Select c, Responses out) throws IOException {
        selected = null;
        String name = MailboxNames.canonical(c.mailbox());
        if (!MailboxNames.isInbox(name) && MailboxNames.problem(name) != null || !folderExists(name)) {
            return "NO [NONEXISTENT] Mailbox does not exist: " + name;
        }
        FolderIndex index = registry.open(folderDir(name));
        SelectedMailbox sel = new SelectedMailbox(name, index, c.readOnly());
        Set<String> flags = new LinkedHashSet<>(MaildirFlags.SYSTEM);
        flags.addAll(sel.keywordsInUse());
        out.line("* FLAGS (" + String.join(" ", flags) + ")");
        out.line("* OK [PERMANENTFLAGS " + (c.readOnly() ? "()" : "(" + String.join(" ", flags) + " \\*)")
                + "] Flags permitted");
        out.line("* " + sel.exists() + " EXISTS");
        out.line("* " + sel.recentCount() + " RECENT");
        for (int msn = 1; msn <= sel.exists(); msn++) {
            if (!sel.flags(sel.uid(msn)).contains("\\Seen")) {
                out.line("* OK [UNSEEN " + msn + "] First unseen");
                break;
            }
        }
        out.line("* OK [UIDVALIDITY " + index.uidValidity() + "] UIDs valid");
        out.line("* OK [UIDNEXT " + index.uidNext() + "] Predicted next UID");
        selected = sel;
        return "OK [" + (c.readOnly() ? "READ-ONLY" : "READ-WRITE") + "] " + c.name() + " completed";
    }

    private String create(String mailbox) throws IOException {
        String name = MailboxNames.canonical(mailbox);
        if (name.endsWith("/")) {
            name = name.substring(0, name.length() - 1);
        }
        if (MailboxNames.isInbox(name)) {
            return "NO [ALREADYEXISTS] INBOX always exists";
        }
        String problem = MailboxNames.problem(name);
        if (problem != null) {
            return "NO [CANNOT] " + problem;
        }
        if (folderExists(name)) {
            return "NO [ALREADYEXISTS] Mailbox exists";
        }
        Path dir = folderDir(name);
        MaildirStore.ensureMaildir(dir);
        if (!Files.exists(dir.resolve("maildirfolder"))) {
            Files.createFile(dir.resolve("maildirfolder"));
        }
        registry.forget(dir);
        return "OK CREATE completed";
    }

    private String delete(String mailbox) throws IOException {
        String name = MailboxNames.canonical(mailbox);
        if (MailboxNames.isInbox(name)) {
            return "NO [CANNOT] INBOX cannot be deleted";
        }
        if (MailboxNames.problem(name) != null || !folderExists(name)) {
            return "NO [NONEXISTENT] Mailbox does not exist";
        }
        Path dir = folderDir(name);
        if (selected != null && selected.index.dir().equals(registry.open(dir).dir())) {
            selected = null;
        }
        deleteTree(dir);
        registry.forget(dir);
        store.watchers().notifyChanged(account);
        return "OK DELETE completed";
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (NoSuchFileException e) {
            // already gone
        }
    }

    private String rename(String fromName, String toName) throws IOException {
        String from = MailboxNames.canonical(fromName);
        String to = MailboxNames.canonical(toName);
        boolean implied = !folderExists(from) && allFolders().keySet().stream().anyMatch(n -> n.startsWith(from + "/"));
        if (!MailboxNames.isInbox(from) && MailboxNames.problem(from) != null || !folderExists(from) && !implied) {
            return "NO [NONEXISTENT] Mailbox does not exist";
        }
        String problem = MailboxNames.isInbox(to) ? "Cannot rename onto INBOX" : MailboxNames.problem(to);
        if (problem != null) {
            return "NO [CANNOT] " + problem;
        }
        if (folderExists(to)) {
            return "NO [ALREADYEXISTS] Target mailbox exists";
        }
        Path source = folderDir(from);
        Path target = folderDir(to);
        if (MailboxNames.isInbox(from)) {
            // RFC 3501: renaming INBOX moves its messages to the new name and leaves INBOX empty.
            MaildirStore.ensureMaildir(target);
            Files.createFile(target.resolve("maildirfolder"));
            for (String sub : List.of("cur", "new")) {
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(source.resolve(sub))) {
                    for (Path f : ds) {
                        Files.move(f, target.resolve("cur").resolve(
                                f.getFileName().toString().contains(":") ? f.getFileName().toString()
                                        : f.getFileName() + ":2,"));
                    }
                }
            }
        } else {
            Path parent = source.getParent();
            String oldPrefix = source.getFileName().toString();
            String newPrefix = target.getFileName().toString();
            List<Path> moves = new ArrayList<>();
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(parent)) {
                for (Path p : ds) {
                    String n = p.getFileName().toString();
                    if (n.equals(oldPrefix) || n.startsWith(oldPrefix + ".")) {
                        moves.add(p);
                    }
                }
            }
            for (Path p : moves) {
                String n = p.getFileName().toString();
                Files.move(p, parent.resolve(newPrefix + n.substring(oldPrefix.length())));
            }
        }
        if (selected != null && (selected.index.dir().equals(registry.open(source).dir()))) {
            selected = null;
        }
        registry.forget(source);
        registry.forget(target);
        store.watchers().notifyChanged(account);
        return "OK RENAME completed";
    }

    private Path subscriptionsFile() {
        return store.inbox(account).resolve(SUBSCRIPTIONS);
    }

    private Set<String> subscriptions() throws IOException {
        Path f = subscriptionsFile();
        Set<String> out = new TreeSet<>();
        if (Files.exists(f)) {
            for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    out.add(line.strip());
                }
            }
        }
        return out;
    }

    private String subscribe(String mailbox, boolean on) throws IOException {
        String name = MailboxNames.canonical(mailbox);
        if (on && !MailboxNames.isInbox(name) && MailboxNames.problem(name) != null) {
            return "NO [CANNOT] " + MailboxNames.problem(name);
        }
        synchronized (registry) {
            Set<String> subs = subscriptions();
            boolean changed = on ? subs.add(name) : subs.remove(name);
            if (changed) {
                Path f = subscriptionsFile();
                Path tmp = f.resolveSibling(SUBSCRIPTIONS + ".tmp");
                Files.writeString(tmp, subs.isEmpty() ? "" : String.join("\n", subs) + "\n", StandardCharsets.UTF_8);
                Files.move(tmp, f, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            }
        }
        return "OK " + (on ? "SUBSCRIBE" : "UNSUBSCRIBE") + " completed";
    }

    /** All folder names with whether each really exists (false: only an implied parent). */
    private TreeMap<String, Boolean> allFolders() throws IOException {
        // INBOX first, then the others in name order (so a parent precedes its children)
        TreeMap<String, Boolean> names = new TreeMap<>((a, b) -> a.equals(b) ? 0
                : a.equals("INBOX") ? -1 : b.equals("INBOX") ? 1 : a.compareTo(b));
        names.put("INBOX", true);
        for (String n : store.subfolders(account)) {
            names.put(n, true);
            int slash = n.lastIndexOf('/');
            while (slash > 0) {
                names.putIfAbsent(n.substring(0, slash), false);
                slash = n.lastIndexOf('/', slash - 1);
            }
        }
        return names;
    }

    private String list(ImapCommand.ListMailboxes c, Responses out) throws IOException {
        if (c.pattern().isEmpty()) {
            out.line("* LIST (\\Noselect) \"/\" \"\"");
            return "OK LIST completed";
        }
        Pattern p = MailboxNames.pattern(c.reference(), c.pattern());
        TreeMap<String, Boolean> names = allFolders();
        for (var e : names.entrySet()) {
            String name = e.getKey();
            if (!p.matcher(name).matches()) {
                continue;
            }
            String next = names.higherKey(name);
            boolean children = next != null && next.startsWith(name + "/");
            List<String> attrs = new ArrayList<>();
            if (!e.getValue()) {
                attrs.add("\\Noselect");
            }
            attrs.add(children ? "\\HasChildren" : "\\HasNoChildren");
            String use = e.getValue() ? MailboxNames.specialUse(name) : null;
            if (use != null) {
                attrs.add(use);
            }
            out.line("* LIST (" + String.join(" ", attrs) + ") \"/\" " + ImapStrings.astring(name));
        }
        return "OK LIST completed";
    }

    private String lsub(ImapCommand.ListMailboxes c, Responses out) throws IOException {
        Pattern p = MailboxNames.pattern(c.reference(), c.pattern());
        for (String name : subscriptions()) {
            if (p.matcher(name).matches()) {
                out.line("* LSUB () \"/\" " + ImapStrings.astring(name));
            }
        }
        return "OK LSUB completed";
    }

    private String status(ImapCommand.Status c, Responses out) throws IOException {
        String name = MailboxNames.canonical(c.mailbox());
        if (!MailboxNames.isInbox(name) && MailboxNames.problem(name) != null || !folderExists(name)) {
            return "NO [NONEXISTENT] Mailbox does not exist";
        }
        FolderIndex index = registry.open(folderDir(name));
        index.refresh();
        List<MessageRecord> all = index.snapshot();
        List<String> items = new ArrayList<>();
        for (String item : c.items()) {
            long value = switch (item) {
                case "MESSAGES" -> all.size();
                case "RECENT" -> index.unclaimedRecentCount();
                case "UIDNEXT" -> index.uidNext();
                case "UIDVALIDITY" -> index.uidValidity();
                case "UNSEEN" -> all.stream().filter(r -> !r.flags().contains("\\Seen")).count();
                default -> 0;
            };
            items.add(item + " " + value);
        }
        out.line("* STATUS " + ImapStrings.astring(name) + " (" + String.join(" ", items) + ")");
        return "OK STATUS completed";
    }

    private String append(ImapCommand.Append c) throws IOException {
        String name = MailboxNames.canonical(c.mailbox());
        if (!MailboxNames.isInbox(name) && MailboxNames.problem(name) != null || !folderExists(name)) {
            if (MailboxNames.isInbox(name)) {
                MaildirStore.ensureMaildir(folderDir(name));
            } else {
                return "NO [TRYCREATE] Mailbox does not exist";
            }
        }
        FolderIndex index = registry.open(folderDir(name));
        Set<String> flags = MaildirFlags.normalize(c.flags());
        long date = c.date() == null ? System.currentTimeMillis() : c.date().toInstant().toEpochMilli();
        long uid = index.append(store, MaildirStore.crlfToLf(c.message()), flags, date);
        store.watchers().notifyChanged(account);
        return "OK [APPENDUID " + index.uidValidity() + " " + uid + "] APPEND completed";
    }

    // ---- messages

    /**
     * The message's bytes with LF line ends. Another session (or POP3, or mutt) may rename the file to
     * change its flags at any moment, so a vanished path is looked up again once.
     */
    private byte[] readLf(FolderIndex index, MessageRecord r) throws IOException {
        try {
            return Files.readAllBytes(r.file());
        } catch (NoSuchFileException e) {
            index.refresh();
            MessageRecord again = index.get(r.uid());
            if (again == null) {
                throw e;
            }
            return Files.readAllBytes(again.file());
        }
    }

    private ImapMessage load(MessageRecord r) {
        String key = selected.index.dir() + "#" + r.uid();
        ImapMessage m = cache.get(key);
        if (m != null) {
            return m;
        }
        try {
            m = new ImapMessage(MaildirStore.lfToCrlf(readLf(selected.index, r)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        cache.put(key, m);
        // keep at most a few messages and, beyond the newest, not too many bytes
        long total = 0;
        for (ImapMessage c : cache.values()) {
            total += c.bytes().length;
        }
        var it = cache.entrySet().iterator();
        while (cache.size() > 1 && (cache.size() > CACHE_ENTRIES || total > CACHE_BYTES)) {
            total -= it.next().getValue().bytes().length;
            it.remove();
        }
        return m;
    }

    /**
     * The message's header block and ENVELOPE from the listener's shared {@link MessageSummaries};
     * read (or taken from this session's cache) and remembered the first time.
     */
    private MessageSummaries.Summary summary(MessageRecord r) {
        FolderIndex index = selected.index;
        return registry.summaries().get(MessageSummaries.key(index.dir(), r.file()), k -> {
            ImapMessage m = cache.get(index.dir() + "#" + r.uid());
            if (m == null) {
                try {
                    m = new ImapMessage(MaildirStore.lfToCrlf(readLf(index, r)));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return new MessageSummaries.Summary(MessageSummaries.headerOf(m.bytes()), m.envelope());
        });
    }

    private void expungeDeleted(SequenceSet uidSet, Responses out) throws IOException {
        List<Long> doomed = new ArrayList<>();
        long maxUid = selected.maxUid();
        for (MessageRecord r : selected.index.snapshot()) {
            if (r.flags().contains("\\Deleted") && (uidSet == null || uidSet.contains(r.uid(), maxUid))) {
                doomed.add(r.uid());
            }
        }
        List<Long> gone = selected.index.expunge(doomed);
        if (out != null) {
            selected.expunged(gone, out);
        }
        if (!gone.isEmpty()) {
            store.watchers().notifyChanged(account);
        }
    }

    private String search(ImapCommand.Search c, Responses out) throws IOException {
        StringBuilder sb = new StringBuilder("* SEARCH");
        boolean body = SearchEvaluator.needsBody(c.key());
        int exists = selected.exists();
        long maxUid = selected.maxUid();
        for (int msn = 1; msn <= exists; msn++) {
            long uid = selected.uid(msn);
            MessageRecord r = selected.index.get(uid);
            if (r == null) {
                continue;
            }
            SearchEvaluator.Candidate cand = new SearchEvaluator.Candidate(msn, exists, maxUid, r,
                    selected.isRecent(uid), body ? () -> load(r) : () -> new ImapMessage(summary(r).header()));
            if (SearchEvaluator.matches(c.key(), cand)) {
                sb.append(' ').append(c.uid() ? uid : msn);
            }
        }
        out.line(sb.toString());
        return "OK " + c.name() + " completed";
    }

    /** A FETCH too big for one response buffer: what is left of it. */
    private static final class PendingFetch {
        final ImapCommand.Fetch command;
        final List<FetchAttribute> atts;
        final boolean setsSeen;
        final java.util.ArrayDeque<Integer> msns;
        boolean vanished;

        PendingFetch(ImapCommand.Fetch command, List<FetchAttribute> atts, boolean setsSeen, List<Integer> msns) {
            this.command = command;
            this.atts = atts;
            this.setsSeen = setsSeen;
            this.msns = new java.util.ArrayDeque<>(msns);
        }
    }

    /** A FETCH answer is sent in pieces of about this size, so memory stays bounded. */
    static final int FETCH_BATCH_BYTES = 4 << 20;
    private PendingFetch pendingFetch;
    private String pendingTag;
    private ImapCommand pendingCommand;

    /** Starts a FETCH; returns null when it goes on in further batches. */
    private String fetch(ImapCommand.Fetch c, Responses out) throws IOException {
        List<FetchAttribute> atts = new ArrayList<>(c.attributes());
        if (c.uid() && !atts.contains(FetchAttribute.Simple.UID)) {
            atts.add(0, FetchAttribute.Simple.UID);
        }
        boolean setsSeen = !selected.readOnly && atts.stream().anyMatch(a ->
                a == FetchAttribute.Simple.RFC822 || a == FetchAttribute.Simple.RFC822_TEXT
                        || (a instanceof BodySection s && !s.peek()));
        pendingFetch = new PendingFetch(c, atts, setsSeen, selected.resolve(c.set(), c.uid()));
        return fetchBatch(out);
    }

    private String fetchBatch(Responses out) throws IOException {
        PendingFetch f = pendingFetch;
        List<FetchAttribute> atts = f.atts;
        while (!f.msns.isEmpty()) {
            if (out.size() > FETCH_BATCH_BYTES) {
                return null;
            }
            int msn = f.msns.poll();
            long uid = selected.uid(msn);
            MessageRecord r = selected.index.get(uid);
            if (r == null) {
                f.vanished = true;
                continue;
            }
            boolean flagsChanged = false;
            if (f.setsSeen && !r.flags().contains("\\Seen")) {
                Map<Long, Set<String>> now = selected.index.setFlags(List.of(uid), FolderIndex.FlagMode.ADD,
                        Set.of("\\Seen"));
                if (now.containsKey(uid)) {
                    selected.updateFlags(uid, now.get(uid));
                    flagsChanged = true;
                    r = selected.index.get(uid); // the file was renamed
                    if (r == null) {
                        f.vanished = true;
                        continue;
                    }
                }
            } else if (atts.contains(FetchAttribute.Simple.FLAGS)) {
                selected.updateFlags(uid, r.flags());
            }
            if (needsContent(atts)) {
                try {
                    // before the first byte of this answer, so a vanished file is skipped cleanly
                    if (needsBody(atts)) {
                        load(r);
                    } else {
                        summary(r);
                    }
                } catch (UncheckedIOException e) {
                    if (e.getCause() instanceof NoSuchFileException) {
                        f.vanished = true;
                        continue;
                    }
                    throw e;
                }
            }
            out.text("* " + msn + " FETCH (");
            boolean first = true;
            boolean flagsSent = false;
            for (FetchAttribute a : atts) {
                if (!first) {
                    out.text(" ");
                }
                first = false;
                if (a == FetchAttribute.Simple.FLAGS) {
                    flagsSent = true;
                }
                writeAttribute(a, msn, uid, r, out);
            }
            if (flagsChanged && !flagsSent) {
                out.text(" FLAGS " + SelectedMailbox.flagList(selected.flags(uid)));
            }
            out.line(")");
        }
        pendingFetch = null;
        if (f.setsSeen) {
            store.watchers().notifyChanged(account);
        }
        return f.vanished ? "NO Some messages were expunged by another session" : "OK " + f.command.name() + " completed";
    }

    /** Like {@link #needsContent} without ENVELOPE, which the shared summaries answer. */
    private static boolean needsBody(List<FetchAttribute> atts) {
        for (FetchAttribute a : atts) {
            if (a != FetchAttribute.Simple.ENVELOPE && needsContent(List.of(a))) {
                return true;
            }
        }
        return false;
    }

    private static boolean needsContent(List<FetchAttribute> atts) {
        for (FetchAttribute a : atts) {
            if (a instanceof BodySection || a == FetchAttribute.Simple.ENVELOPE || a == FetchAttribute.Simple.BODY
                    || a == FetchAttribute.Simple.BODYSTRUCTURE || a == FetchAttribute.Simple.RFC822
                    || a == FetchAttribute.Simple.RFC822_HEADER || a == FetchAttribute.Simple.RFC822_TEXT) {
                return true;
            }
        }
        return false;
    }

    /** After a failed command: forget any FETCH still in progress. */
    void abandonPending() {
        pendingFetch = null;
        pendingTag = null;
        pendingCommand = null;
    }

    private void writeAttribute(FetchAttribute a, int msn, long uid, MessageRecord r, Responses out) {
        if (a instanceof FetchAttribute.Simple s) {
            switch (s) {
                case UID -> out.text("UID " + uid);
                case FLAGS -> out.text("FLAGS " + SelectedMailbox.flagList(selected.flags(uid)));
                case INTERNALDATE -> out.text("INTERNALDATE " + ImapStrings.internalDate(r.internalDate()));
                case RFC822_SIZE -> out.text("RFC822.SIZE " + r.size());
                case ENVELOPE -> out.text("ENVELOPE " + summary(r).envelope());
                case BODYSTRUCTURE -> out.text("BODYSTRUCTURE " + load(r).bodyStructure(true));
                case BODY -> out.text("BODY " + load(r).bodyStructure(false));
                case RFC822 -> literal("RFC822", load(r).bytes(), out);
                case RFC822_HEADER -> literal("RFC822.HEADER", load(r).section(
                        new BodySection(List.of(), FetchAttribute.SectionText.HEADER, List.of(), true, -1, -1)), out);
                case RFC822_TEXT -> literal("RFC822.TEXT", load(r).section(
                        new BodySection(List.of(), FetchAttribute.SectionText.TEXT, List.of(), true, -1, -1)), out);
                default -> throw new IllegalStateException();
            }
            return;
        }
        BodySection s = (BodySection) a;
        byte[] bytes = load(r).section(s);
        if (s.partialOrigin() >= 0) {
            int from = (int) Math.min(bytes.length, s.partialOrigin());
            int to = (int) Math.min(bytes.length, s.partialOrigin() + s.partialLength());
            bytes = java.util.Arrays.copyOfRange(bytes, from, to);
        }
        literal(s.responseName(), bytes, out);
    }

    private static void literal(String name, byte[] bytes, Responses out) {
        out.text(name + " {" + bytes.length + "}\r\n");
        out.raw(bytes);
    }

    private String storeFlags(ImapCommand.Store c, Responses out) throws IOException {
        if (selected.readOnly) {
            return "NO Mailbox is read-only";
        }
        List<Integer> msns = selected.resolve(c.set(), c.uid());
        List<Long> uids = new ArrayList<>();
        for (int msn : msns) {
            uids.add(selected.uid(msn));
        }
        FolderIndex.FlagMode mode = switch (c.mode()) {
            case ADD -> FolderIndex.FlagMode.ADD;
            case REMOVE -> FolderIndex.FlagMode.REMOVE;
            case REPLACE -> FolderIndex.FlagMode.REPLACE;
        };
        Map<Long, Set<String>> result = selected.index.setFlags(uids, mode, MaildirFlags.normalize(c.flags()));
        for (int msn : msns) {
            long uid = selected.uid(msn);
            Set<String> now = result.get(uid);
            if (now == null) {
                continue;
            }
            selected.updateFlags(uid, now);
            if (!c.silent()) {
                out.line("* " + msn + " FETCH (" + (c.uid() ? "UID " + uid + " " : "") + "FLAGS "
                        + SelectedMailbox.flagList(selected.flags(uid)) + ")");
            }
        }
        store.watchers().notifyChanged(account);
        return "OK " + c.name() + " completed";
    }

    private String copy(ImapCommand.Copy c, Responses out) throws IOException {
        String name = MailboxNames.canonical(c.mailbox());
        if (!MailboxNames.isInbox(name) && MailboxNames.problem(name) != null || !folderExists(name)) {
            return "NO [TRYCREATE] Mailbox does not exist";
        }
        if (c.move() && selected.readOnly) {
            return "NO Mailbox is read-only";
        }
        FolderIndex target = registry.open(folderDir(name));
        List<Long> sourceUids = new ArrayList<>();
        List<Long> targetUids = new ArrayList<>();
        for (int msn : selected.resolve(c.set(), c.uid())) {
            long uid = selected.uid(msn);
            MessageRecord r = selected.index.get(uid);
            if (r == null) {
                continue;
            }
            if (c.move() && !target.dir().equals(selected.index.dir())) {
                long moved = target.adopt(r.file(), r.flags());
                if (moved > 0) {
                    targetUids.add(moved);
                    sourceUids.add(uid);
                    continue;
                }
            }
            byte[] lf;
            try {
                lf = readLf(selected.index, r);
            } catch (NoSuchFileException e) {
                continue;
            }
            targetUids.add(target.append(store, lf, r.flags(), r.internalDate()));
            sourceUids.add(uid);
        }
        String copyUid = sourceUids.isEmpty() ? "" : "[COPYUID " + target.uidValidity() + " "
                + SequenceSet.compact(sourceUids) + " " + SequenceSet.compact(targetUids) + "] ";
        if (!sourceUids.isEmpty()) {
            store.watchers().notifyChanged(account);
        }
        if (c.move()) {
            if (!copyUid.isEmpty()) {
                out.line("* OK " + copyUid + "Moved");
            }
            List<Long> gone = selected.index.expunge(sourceUids);
            selected.expunged(gone, out);
            return "OK " + c.name() + " completed";
        }
        return "OK " + copyUid + c.name() + " completed";
    }
}
