package org.postroom.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/**
 * {@code postroom reload}: the running engine re-reads its config file and applies every session limit.
 * Exit 2 when the engine refused the file (its error names the key), 1 when no engine answered.
 */
@Command(name = "reload", description = "Make the running engine re-read its config file and apply every session limit.")
public final class ReloadCommand implements Callable<Integer> {
    @Mixin
    AdminClient.ConfigOption options;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        return AdminClient.run(spec.commandLine().getErr(), () -> {
            AdminClient.Answer answer = AdminClient.call(options.config, "POST", "/reload");
            if (answer.status() == 400) {
                throw new AdminClient.Failure(2, "reload refused: " + answer.error());
            }
            AdminClient.expectOk(answer);
            spec.commandLine().getOut().println(answer.body().toPrettyString());
            spec.commandLine().getOut().flush();
            return 0;
        });
    }
}
