package org.postroom.queue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A queued message's envelope and per-recipient state: what the spool persists next to the body
 * and what {@link QueueActor} keeps in memory. Immutable; updates produce a new value.
 *
 * <p>Text format, one field per line (so a torn write is detected by the missing end line):
 * <pre>
 * postroom-envelope 1
 * id ID
 * sender SENDER            (empty for the null sender)
 * created EPOCH_MILLIS
 * size BYTES
 * rcpt STATUS ATTEMPTS NEXT_EPOCH_MILLIS ADDRESS LAST_ERROR...
 * end
 * </pre>
 */
public record Envelope(String id, String sender, Instant created, long size, List<RecipientState> recipients) {

    public Envelope {
        recipients = List.copyOf(recipients);
    }

    public boolean finished() {
        return recipients.stream().noneMatch(RecipientState::pending);
    }

    public Envelope withRecipients(List<RecipientState> rs) {
        return new Envelope(id, sender, created, size, rs);
    }

    public byte[] encode() {
        StringBuilder b = new StringBuilder();
        b.append("postroom-envelope 1\n");
        b.append("id ").append(id).append('\n');
        b.append("sender ").append(clean(sender)).append('\n');
        b.append("created ").append(created.toEpochMilli()).append('\n');
        b.append("size ").append(size).append('\n');
        for (RecipientState r : recipients) {
            b.append("rcpt ").append(r.status().name()).append(' ').append(r.attempts()).append(' ')
                    .append(r.nextAttempt().toEpochMilli()).append(' ').append(clean(r.address())).append(' ')
                    .append(clean(r.lastError())).append('\n');
        }
        b.append("end\n");
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Parses an envelope file; throws {@link IllegalArgumentException} when it is incomplete or bad. */
    public static Envelope decode(byte[] bytes) {
        String[] lines = new String(bytes, StandardCharsets.UTF_8).split("\n", -1);
        if (lines.length < 6 || !lines[0].equals("postroom-envelope 1")) {
            throw new IllegalArgumentException("not an envelope");
        }
        String id = field(lines[1], "id");
        String sender = field(lines[2], "sender");
        Instant created = Instant.ofEpochMilli(Long.parseLong(field(lines[3], "created")));
        long size = Long.parseLong(field(lines[4], "size"));
        List<RecipientState> rs = new ArrayList<>();
        int i = 5;
        for (; i < lines.length && lines[i].startsWith("rcpt "); i++) {
            String[] p = lines[i].split(" ", 6);
            if (p.length < 5) {
                throw new IllegalArgumentException("bad rcpt line");
            }
            rs.add(new RecipientState(p[4], RecipientState.Status.valueOf(p[1]), Integer.parseInt(p[2]),
                    Instant.ofEpochMilli(Long.parseLong(p[3])), p.length > 5 ? p[5] : ""));
        }
        if (i >= lines.length || !lines[i].equals("end") || rs.isEmpty()) {
            throw new IllegalArgumentException("truncated envelope");
        }
        return new Envelope(id, sender, created, size, rs);
    }

    private static String field(String line, String name) {
        if (line.equals(name)) {
            return "";
        }
        if (!line.startsWith(name + " ")) {
            throw new IllegalArgumentException("expected " + name);
        }
        return line.substring(name.length() + 1);
    }

    private static String clean(String s) {
        return s == null ? "" : s.replace('\n', ' ').replace('\r', ' ');
    }
}
