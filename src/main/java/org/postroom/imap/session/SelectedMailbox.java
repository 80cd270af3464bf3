package org.postroom.imap.session;

import org.postroom.imap.codec.SequenceSet;
import org.postroom.imap.mailbox.FolderIndex;
import org.postroom.imap.mailbox.MessageRecord;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One session's view of its selected folder: the message sequence numbers it has told the client
 * about (as UIDs in order), the flags it last reported and its \Recent messages. {@link #sync}
 * compares the view with the shared {@link FolderIndex} and writes the untagged EXPUNGE, EXISTS,
 * RECENT and FETCH FLAGS lines that bring the client up to date, so two sessions see each other's
 * changes. Touched only from the session's own work, one step at a time.
 */
final class SelectedMailbox {
    final String name;
    final FolderIndex index;
    final boolean readOnly;
    private final List<Long> uids = new ArrayList<>();
    private final Map<Long, Set<String>> flags = new HashMap<>();
    private final Set<Long> recent = new HashSet<>();
    private long seenVersion;
    /** Set while EXPUNGEs were held back (during FETCH/STORE/SEARCH): the next allowed sync must diff. */
    private boolean expungesHeld;

    SelectedMailbox(String name, FolderIndex index, boolean readOnly) throws IOException {
        this.name = name;
        this.index = index;
        this.readOnly = readOnly;
        index.refresh();
        seenVersion = index.version();
        for (MessageRecord r : index.snapshot()) {
            uids.add(r.uid());
            flags.put(r.uid(), r.flags());
        }
        if (!readOnly) {
            recent.addAll(index.claimRecent());
        }
    }

    int exists() {
        return uids.size();
    }

    int recentCount() {
        return recent.size();
    }

    long uid(int msn) {
        return uids.get(msn - 1);
    }

    long maxUid() {
        return uids.isEmpty() ? 0 : uids.get(uids.size() - 1);
    }

    /** The sequence number of a UID, or -1. */
    int msn(long uid) {
        int i = Collections.binarySearch(uids, uid);
        return i < 0 ? -1 : i + 1;
    }

    boolean isRecent(long uid) {
        return recent.contains(uid);
    }

    /** The flags as last reported, with \Recent. */
    Set<String> flags(long uid) {
        Set<String> out = new LinkedHashSet<>(flags.getOrDefault(uid, Set.of()));
        if (recent.contains(uid)) {
            out.add("\\Recent");
        }
        return out;
    }

    void updateFlags(long uid, Set<String> newFlags) {
        if (flags.containsKey(uid)) {
            flags.put(uid, Set.copyOf(newFlags));
        }
    }

    Set<String> keywordsInUse() {
        Set<String> out = new java.util.TreeSet<>();
        for (Set<String> f : flags.values()) {
            for (String s : f) {
                if (!s.startsWith("\\")) {
                    out.add(s);
                }
            }
        }
        return out;
    }

    /** Sequence numbers named by {@code set} (UIDs when {@code uid}), ascending; absent ones left out. */
    List<Integer> resolve(SequenceSet set, boolean uid) {
        List<Integer> out = new ArrayList<>();
        if (uid) {
            long max = maxUid();
            for (int i = 0; i < uids.size(); i++) {
                if (set.contains(uids.get(i), max)) {
                    out.add(i + 1);
                }
            }
        } else {
            int n = uids.size();
            for (int msn = 1; msn <= n; msn++) {
                if (set.contains(msn, n)) {
                    out.add(msn);
                }
            }
        }
        return out;
    }

    /** Removes expunged messages from the view, writing {@code * n EXPUNGE} for each. */
    void expunged(List<Long> gone, Responses out) {
        Set<Long> set = new HashSet<>(gone);
        for (int i = uids.size() - 1; i >= 0; i--) {
            long uid = uids.get(i);
            if (set.contains(uid)) {
                out.line("* " + (i + 1) + " EXPUNGE");
                uids.remove(i);
                flags.remove(uid);
                recent.remove(uid);
            }
        }
    }

    /**
     * Brings the view up to date with the folder: expunges (when allowed: not during FETCH, STORE or
     * SEARCH), new messages, flag changes by other sessions.
     */
    void sync(boolean allowExpunge, Responses out) throws IOException {
        index.refresh();
        long version = index.version();
        if (version == seenVersion && !(allowExpunge && expungesHeld)) {
            return; // nothing changed since the last look
        }
        seenVersion = version;
        expungesHeld = !allowExpunge;
        List<MessageRecord> now = index.snapshot();
        Map<Long, MessageRecord> byUid = new HashMap<>();
        for (MessageRecord r : now) {
            byUid.put(r.uid(), r);
        }
        if (allowExpunge) {
            List<Long> gone = new ArrayList<>();
            for (long uid : uids) {
                if (!byUid.containsKey(uid)) {
                    gone.add(uid);
                }
            }
            if (!gone.isEmpty()) {
                expunged(gone, out);
            }
        }
        for (int i = 0; i < uids.size(); i++) {
            long uid = uids.get(i);
            MessageRecord r = byUid.get(uid);
            if (r != null && !r.flags().equals(flags.get(uid))) {
                flags.put(uid, r.flags());
                out.line("* " + (i + 1) + " FETCH (FLAGS " + flagList(flags(uid)) + ")");
            }
        }
        long max = maxUid();
        boolean added = false;
        for (MessageRecord r : now) {
            if (r.uid() > max) {
                uids.add(r.uid());
                flags.put(r.uid(), r.flags());
                added = true;
            }
        }
        if (added) {
            if (!readOnly) {
                for (long uid : index.claimRecent()) {
                    if (flags.containsKey(uid)) {
                        recent.add(uid);
                    }
                }
            }
            out.line("* " + uids.size() + " EXISTS");
            out.line("* " + recent.size() + " RECENT");
        }
    }

    /** {@code (\\Flagged \\Seen \\Recent $Label)}: system flags in a fixed order, then \\Recent, then keywords. */
    static String flagList(Set<String> flags) {
        List<String> out = new ArrayList<>();
        for (String f : org.postroom.imap.mailbox.MaildirFlags.SYSTEM) {
            if (flags.contains(f)) {
                out.add(f);
            }
        }
        if (flags.contains("\\Recent")) {
            out.add("\\Recent");
        }
        flags.stream().filter(f -> !f.startsWith("\\")).sorted().forEach(out::add);
        return "(" + String.join(" ", out) + ")";
    }
}
