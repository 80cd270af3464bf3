package org.postroom.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
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
    static final class ListCmd implements Callable<Integer> {
        @Mixin
        AdminClient.ConfigOption options;
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            return AdminClient.run(spec.commandLine().getErr(), () -> {
                AdminClient.Answer a = AdminClient.expectOk(AdminClient.call(options.config, "GET", "/queue"));
                out.print(QueueTables.list(a.body()));
                out.flush();
                return 0;
            });
        }
    }

    @Command(name = "show", description = "One message: envelope, per-recipient state and last error, headers.")
    static final class Show implements Callable<Integer> {
        @Mixin
        AdminClient.ConfigOption options;
        @Spec
        CommandSpec spec;
        @Parameters(paramLabel = "ID", description = "Queue id (from queue list)")
        String id;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            return AdminClient.run(spec.commandLine().getErr(), () -> {
                AdminClient.Answer a = AdminClient.expectOk(AdminClient.call(options.config, "GET", "/queue/" + path(id)));
                out.print(QueueTables.show(a.body()));
                out.flush();
                return 0;
            });
        }
    }

    @Command(name = "flush", description = "Make every deferred recipient ready now and start a delivery cycle.")
    static final class Flush implements Callable<Integer> {
        @Mixin
        AdminClient.ConfigOption options;
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            return AdminClient.run(spec.commandLine().getErr(), () -> {
                AdminClient.Answer a = AdminClient.expectOk(AdminClient.call(options.config, "POST", "/queue/flush"));
                out.printf("Queue flushed: %d deferred recipient(s) of %d message(s) made ready; delivery started.%n",
                        a.body().path("recipients").asInt(), a.body().path("messages").asInt());
                out.flush();
                return 0;
            });
        }
    }

    @Command(name = "retry", description = "Try this message now.")
    static final class Retry implements Callable<Integer> {
        @Mixin
        AdminClient.ConfigOption options;
        @Spec
        CommandSpec spec;
        @Parameters(paramLabel = "ID", description = "Queue id")
        String id;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            return AdminClient.run(spec.commandLine().getErr(), () -> {
                AdminClient.Answer a = AdminClient.expectOk(
                        AdminClient.call(options.config, "POST", "/queue/" + path(id) + "/retry"));
                out.printf("%s: %d recipient(s) to be tried now.%n", id, a.body().path("recipients").asInt());
                out.flush();
                return 0;
            });
        }
    }

    @Command(name = "delete", description = "Remove this message from the spool for good, without a bounce.")
    static final class Delete implements Callable<Integer> {
        @Mixin
        AdminClient.ConfigOption options;
        @Spec
        CommandSpec spec;
        @Parameters(paramLabel = "ID", description = "Queue id")
        String id;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            return AdminClient.run(spec.commandLine().getErr(), () -> {
                AdminClient.Answer a = AdminClient.expectOk(AdminClient.call(options.config, "DELETE", "/queue/" + path(id)));
                out.printf("%s: deleted (%d undelivered recipient(s) dropped, no bounce).%n", id,
                        a.body().path("recipientsDropped").asInt());
                out.flush();
                return 0;
            });
        }
    }

    /** An id as one path segment (anything odd is refused by the engine as unknown). */
    static String path(String id) {
        return java.net.URLEncoder.encode(id, java.nio.charset.StandardCharsets.UTF_8);
    }
}
