package org.postroom.smtp.session;

import org.postroom.queue.OutboundSpool;
import org.postroom.store.MaildirStore;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * The straightforward {@link MailAcceptor}: prepends the {@link ReceivedHeader}, writes one Maildir
 * copy per local recipient (with {@code Return-Path: <sender>} first, LF line ends, fsynced by
 * {@link MaildirStore#deliver}), then one outbound spool entry for all remote recipients (CRLF, as
 * received, without Return-Path: the final delivery adds it). Returns when everything is durable.
 * On an IOException part-way, the copies already written stay (a retry may duplicate them; nothing
 * the client was told is taken is ever lost). Thread-safe if the store and spool are.
 */
public final class StoreAndSpoolAcceptor implements MailAcceptor {
    private final MaildirStore store;
    private final OutboundSpool spool;
    private final String hostname;
    private final Clock clock;
    private final Supplier<String> ids;
    /** Room for Return-Path: and Received: on top of the message as received. */
    private static final int RECEIVED_ALLOWANCE = 2048;

    public StoreAndSpoolAcceptor(MaildirStore store, OutboundSpool spool, String hostname, Clock clock,
                                 Supplier<String> ids) {
        this.store = store;
        this.spool = spool;
        this.hostname = hostname;
        this.clock = clock;
        this.ids = ids;
    }

    @Override
    public String accept(Envelope envelope, byte[] message) throws IOException {
        String id = ids.get();
        byte[] traced = traced(envelope, message, id);
        if (!envelope.localRecipients().isEmpty()) {
            store.deliver(List.copyOf(envelope.localRecipients()), mailboxCopy(envelope, traced));
        }
        if (!envelope.remoteRecipients().isEmpty()) {
            if (spool == null) {
                throw new IOException("no outbound spool configured");
            }
            spool.enqueue(envelope.sender(), envelope.remoteRecipients(), traced);
        }
        return id;
    }

    /**
     * Local recipients only, through the journal: appended on the calling thread, the 250 sent by the
     * journal's commit thread once the group commit covers it. Anything else (remote recipients, a
     * message too large for the journal) goes the blocking way.
     */
    @Override
    public CompletionStage<String> acceptWithoutWaiting(Envelope envelope, byte[] message) throws IOException {
        if (envelope.localRecipients().isEmpty() || !envelope.remoteRecipients().isEmpty()
                || !store.mayDeliverWithoutWaiting(message.length + RECEIVED_ALLOWANCE)) {
            return null;
        }
        // Still null when a segment roll is due (once per segment): that message's id then goes unused.
        String id = ids.get();
        var stored = store.deliverWithoutWaiting(List.copyOf(envelope.localRecipients()),
                mailboxCopy(envelope, traced(envelope, message, id)));
        return stored == null ? null : stored.thenApply(files -> id);
    }

    /** The message with our Received: line on top (CRLF, as received). */
    private byte[] traced(Envelope envelope, byte[] message, String id) {
        byte[] received = ReceivedHeader.render(envelope, hostname, id, ZonedDateTime.now(clock))
                .getBytes(StandardCharsets.US_ASCII);
        return concat(received, message);
    }

    /** What a mailbox stores: Return-Path: first, LF line ends. */
    private static byte[] mailboxCopy(Envelope envelope, byte[] traced) {
        byte[] returnPath = ("Return-Path: <" + envelope.sender() + ">\r\n").getBytes(StandardCharsets.US_ASCII);
        return MaildirStore.crlfToLf(concat(returnPath, traced));
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
