/**
 * The durable outbound queue: {@link org.postroom.queue.FileSpool} (files), the
 * {@link org.postroom.queue.QueueActor} (per-recipient state, retry schedule, lifetime, bounces) and the
 * values they exchange with delivery sessions ({@link org.postroom.queue.WorkItem},
 * {@link org.postroom.queue.DeliveryOutcome}). On disk: {@code ID.msg} is the message as received (CRLF),
 * {@code ID.env} its envelope and per-recipient state in a line format ({@link org.postroom.queue.Envelope}),
 * rewritten atomically (tmp, fsync, rename, directory fsync) on every change; an entry is removed when
 * every recipient is delivered or failed.
 */
package org.postroom.queue;
