/**
 * Outbound delivery: the sessions that take queued mail to other domains' MX hosts.
 *
 * <h2>The chain</h2>
 * <pre>
 * SMTP/MSA acceptance ──enqueue──▶ FileSpool (data-dir/spool: ID.msg + ID.env, fsynced)
 *                                      │ listener
 *                                      ▼
 *                                 QueueActor ──WorkAvailable──▶ OutboundRouter
 *                                  ▲    │                         │ spawns ≤ max-sessions − active
 *                     Pull/Report/ │    │ Work(WorkItem)          ▼
 *                     Return       └────┴──────────────────── DeliveryActor ×N
 *                                                                 │ MxResolver (dnsjava, cached)
 *                                                                 │ HostHealth: Acquire → Granted/Denied/Cached
 *                                                                 ▼
 *                                                             SmtpClient (blocking, on
 *                                                             postroom-outbound-dispatcher)
 * </pre>
 * A {@link org.postroom.delivery.DeliveryActor} pulls one message's recipients in one domain, tries
 * the MX addresses in preference order and then the smart host, skipping addresses that are in the
 * failure cache or have no free per-IP token; keeps its connection for the next item bound to the same
 * address (RSET in between); stops when the queue has nothing ready or after
 * {@code max-messages-per-session}. {@link org.postroom.delivery.OutboundModule} wires the parts
 * under the engine guardian and registers the drain on engine stop.
 *
 * <h2>Outcomes</h2>
 * 2xx after DATA: delivered. 4xx to MAIL/RCPT/DATA, a connection lost in a transaction, a DNS
 * failure, or every dialled address failing: deferred (next attempt from {@code retry-schedule}).
 * 5xx, no such domain, null MX: failed, the sender gets a DSN. Every address skipped (cached, no
 * token): the item is returned unchanged and waits for the next {@code delivery-interval} cycle.
 *
 * <h2>Gaps</h2>
 * No DANE/MTA-STS (TLS is opportunistic, certificates are not checked), no REQUIRETLS, no DSN
 * extension (NOTIFY/RET) towards remote servers, no per-domain concurrency beyond the per-IP limit.
 */
package org.postroom.delivery;
