package org.postroom.queue;

import java.util.List;

/**
 * One unit of outbound work handed to a delivery actor: the ready recipients of one queued message
 * in one domain. Carries ids and the envelope, never the body (the delivery actor reads it from
 * the spool).
 */
public record WorkItem(String queueId, String sender, String domain, List<String> recipients, long size) {
    public WorkItem {
        recipients = List.copyOf(recipients);
    }

    public String key() {
        return queueId + "|" + domain;
    }
}
