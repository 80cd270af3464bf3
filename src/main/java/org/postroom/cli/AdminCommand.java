package org.postroom.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/**
 * An operator command that is one admin API call: it takes {@code --config FILE} (naming the admin
 * address), sends {@link #method()} {@link #path()}, and prints {@link #render} of the JSON answer.
 * Exit codes: 0 done, 1 not found / no engine answering, 2 config error (see {@link AdminClient}).
 */
abstract class AdminCommand implements Callable<Integer> {
    @Mixin
    AdminClient.ConfigOption options;

    @Spec
    CommandSpec spec;

    abstract String method();

    abstract String path();

    /** The text printed for a successful answer. */
    abstract String render(JsonNode answer);

    /** Checks the answer before it is rendered; by default anything but 200 is exit 1. */
    AdminClient.Answer check(AdminClient.Answer answer) throws AdminClient.Failure {
        return AdminClient.expectOk(answer);
    }

    @Override
    public final Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        return AdminClient.run(spec.commandLine().getErr(), () -> {
            AdminClient.Answer a = check(AdminClient.call(options.config, method(), path()));
            out.print(render(a.body()));
            out.flush();
            return 0;
        });
    }

    /** A value as one URL path segment or query value. */
    static String encode(String value) {
        return java.net.URLEncoder.encode(value, java.nio.charset.StandardCharsets.UTF_8);
    }
}
