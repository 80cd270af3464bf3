/**
 * The operator's commands that act on a running engine through its admin API: {@code postroom queue
 * list|show|flush|retry|delete} ({@link org.postroom.cli.QueueCommand}) and {@code postroom hosts [forget]}
 * ({@link org.postroom.cli.HostsCommand}), registered in {@link org.postroom.Main}. The admin address comes
 * from the config ({@link org.postroom.cli.AdminClient}); the JSON answers are printed as tables by
 * {@link org.postroom.cli.QueueTables}, and {@code queue list} walks the pages of {@code GET /queue} with
 * {@link org.postroom.cli.QueueListing}.
 */
package org.postroom.cli;
