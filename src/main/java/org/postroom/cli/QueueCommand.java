package org.postroom.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.postroom.queue.QueueQuery;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code postroom queue list|show ID|flush|retry ID|delete ID [--config FILE]}: the running engine's
 * outbound queue through the admin API ({@code /queue}); {@code list} takes {@code --state},
 * {@code --domain}, {@code --limit} and {@code --page-size} and pages by itself ({@link QueueListing}).
 * Exit code 1 for an unknown id, when no engine answers or a listing stops half-way; 2 for a config
 * error or a bad option, including a filter the engine refused (HTTP 400, its message printed).
 */
@Command(name = "queue", description = "Inspect and act on the outbound queue of the running engine.",
        subcommands = {QueueCommand.ListCmd.class, QueueCommand.Show.class, QueueCommand.Flush.class,
                QueueCommand.Retry.class, QueueCommand.Delete.class})
public final class QueueCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return 2;
    }

    /**
     * {@code queue list [--state S[,S...]] [--domain D] [--limit N] [--page-size N]}: the table of
     * {@link QueueTables#list}, fetched and printed a page at a time ({@link QueueListing}).
     */
    @Command(name = "list", description = {"Queued messages: id, size, age, attempts, next attempt, sender, "
            + "and each recipient with its state; every one, or those the options select.",
            "Fetched from the engine a page at a time (--page-size per request) and printed as the pages come."})
    static final class ListCmd implements Callable<Integer> {
        @Mixin
        AdminClient.ConfigOption options;

        @Spec
        CommandSpec spec;

        @Option(names = "--state", paramLabel = "STATE[,STATE...]", description = "Only messages with a recipient "
                + "in one of these states: ready, deferred, held, in-flight, delivered, failed (comma-separated or "
                + "repeated)")
        List<String> states = new ArrayList<>();

        @Option(names = "--domain", paramLabel = "DOMAIN", description = "Only messages with a recipient in this "
                + "domain (case-insensitive); .DOMAIN for its subdomains only")
        String domain;

        @Option(names = "--limit", paramLabel = "N", description = "Show at most N messages (default: all)")
        Integer limit;

        @Option(names = "--page-size", paramLabel = "N", description = "Messages per request to the engine, 1 to "
                + QueueQuery.MAX_LIMIT + " (default: " + QueueListing.DEFAULT_PAGE_SIZE + ")")
        int pageSize = QueueListing.DEFAULT_PAGE_SIZE;

        @Override
        public Integer call() {
            if (limit != null && limit < 1) {
                throw new ParameterException(spec.commandLine(), "--limit must be at least 1: " + limit);
            }
            if (pageSize < 1 || pageSize > QueueQuery.MAX_LIMIT) {
                throw new ParameterException(spec.commandLine(), "--page-size must be 1 to " + QueueQuery.MAX_LIMIT
                        + ": " + pageSize);
            }
            QueueListing listing = new QueueListing(states.isEmpty() ? null : String.join(",", states), domain,
                    limit == null ? 0 : limit, pageSize);
            PrintWriter out = spec.commandLine().getOut();
            return AdminClient.run(spec.commandLine().getErr(), () -> {
                AdminClient.Endpoint engine = AdminClient.endpoint(options.config);
                return listing.write(path -> engine.call("GET", path), out);
            });
        }
    }

    @Command(name = "show", description = "One message: envelope, per-recipient state and last error, headers.")
    static final class Show extends AdminCommand {
        @Parameters(paramLabel = "ID", description = "Queue id (from queue list)")
        String id;

        String method() {
            return "GET";
        }

        String path() {
            return "/queue/" + encode(id);
        }

        String render(JsonNode a) {
            return QueueTables.show(a);
        }
    }

    @Command(name = "flush", description = "Make every deferred recipient ready now and start a delivery cycle.")
    static final class Flush extends AdminCommand {
        String method() {
            return "POST";
        }

        String path() {
            return "/queue/flush";
        }

        String render(JsonNode a) {
            return String.format("Queue flushed: %d deferred recipient(s) of %d message(s) made ready; delivery started.%n",
                    a.path("recipients").asInt(), a.path("messages").asInt());
        }
    }

    @Command(name = "retry", description = "Try this message now.")
    static final class Retry extends AdminCommand {
        @Parameters(paramLabel = "ID", description = "Queue id")
        String id;

        String method() {
            return "POST";
        }

        String path() {
            return "/queue/" + encode(id) + "/retry";
        }

        String render(JsonNode a) {
            return String.format("%s: %d recipient(s) to be tried now.%n", id, a.path("recipients").asInt());
        }
    }

    @Command(name = "delete", description = "Remove this message from the spool for good, without a bounce.")
    static final class Delete extends AdminCommand {
        @Parameters(paramLabel = "ID", description = "Queue id")
        String id;

        String method() {
            return "DELETE";
        }

        String path() {
            return "/queue/" + encode(id);
        }

        String render(JsonNode a) {
            return String.format("%s: deleted (%d undelivered recipient(s) dropped, no bounce).%n", id,
                    a.path("recipientsDropped").asInt());
        }
    }
}
