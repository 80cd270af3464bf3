package org.postroom.smtp.session;

import org.postroom.queue.OutboundSpool;
import org.postroom.store.MaildirStore;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.ZonedDateTime;
import java.util.List;
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
        byte[] received = ReceivedHeader.render(envelope, hostname, id, ZonedDateTime.now(clock))
                .getBytes(StandardCharsets.US_ASCII);
        byte[] traced = concat(received, message);
        if (!envelope.localRecipients().isEmpty()) {
            byte[] returnPath = ("Return-Path: <" + envelope.sender() + ">\r\n").getBytes(StandardCharsets.US_ASCII);
            byte[] lf = MaildirStore.crlfToLf(concat(returnPath, traced));
            store.deliver(List.copyOf(envelope.localRecipients()), lf);
        }
        if (!envelope.remoteRecipients().isEmpty()) {
            if (spool == null) {
                throw new IOException("no outbound spool configured");
            }
            spool.enqueue(envelope.sender(), envelope.remoteRecipients(), traced);
        }
        return id;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
