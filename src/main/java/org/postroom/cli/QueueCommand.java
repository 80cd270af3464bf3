package org.postroom.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/**
 * {@code postroom queue list|show ID|flush|retry ID|delete ID [--config FILE]}: the running engine's
 * outbound queue through the admin API ({@code /queue}). Exit code 1 for an unknown id or when no
 * engine answers, 2 for a config error.
 */
@Command(name = "queue", description = "Inspect and act on the outbound queue of the running engine.",
        mixinStandardHelpOptions = true,
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

    @Command(name = "list", description = "Every queued message: id, size, age, attempts, next attempt, sender, "
            + "and each recipient with its state.")
    static final class ListCmd extends AdminCommand {
        String method() {
            return "GET";
        }

        String path() {
            return "/queue";
        }

        String render(JsonNode a) {
            return QueueTables.list(a);
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
