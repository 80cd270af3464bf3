package org.postroom.queue;

import java.io.IOException;
import java.util.List;

/**
 * Where accepted mail for remote recipients goes: the durable outbound queue under
 * {@code data-dir/spool/}. {@link #enqueue} returns only after the message and its envelope are on
 * disk and fsynced, so an SMTP 250 may follow.
 */
public interface OutboundSpool {

    /**
     * Durably stores a message for remote recipients and tells the delivery side there is new work.
     * Blocking: call it on the blocking dispatcher.
     *
     * @param sender      envelope sender, "" for the null sender
     * @param recipients  remote recipient addresses
     * @param messageCrlf the message as received on the wire (CRLF line ends, dots unstuffed)
     * @return the queue id
     */
    String enqueue(String sender, List<String> recipients, byte[] messageCrlf) throws IOException;
}
