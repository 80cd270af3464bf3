package org.postroom.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;

/**
 * {@code postroom hosts [--config FILE]}: the running engine's host health (cached connection failures
 * with expiry and reason, IPs holding delivery tokens, the per-IP limit); {@code postroom hosts forget
 * ADDRESS} clears one address's cached failure (the cache is keyed by IP address). Exit code 1 when the
 * address has no cached failure or no engine answers, 2 for a config error.
 */
@Command(name = "hosts", description = "Show the outbound host health: cached failures and token holders.",
        mixinStandardHelpOptions = true, subcommands = {HostsCommand.Forget.class})
public final class HostsCommand implements Callable<Integer> {
    @Mixin
    AdminClient.ConfigOption options;
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        return AdminClient.run(spec.commandLine().getErr(), () -> {
            AdminClient.Answer a = AdminClient.expectOk(AdminClient.call(options.config, "GET", "/hosts"));
            out.print(QueueTables.hosts(a.body()));
            out.flush();
            return 0;
        });
    }

    @Command(name = "forget", description = "Clear the cached connection failure of an IP address.")
    static final class Forget implements Callable<Integer> {
        @Mixin
        AdminClient.ConfigOption options;
        @Spec
        CommandSpec spec;
        @Parameters(paramLabel = "ADDRESS", description = "The IP address dialled (as postroom hosts lists it)")
        String address;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            return AdminClient.run(spec.commandLine().getErr(), () -> {
                AdminClient.Answer a = AdminClient.expectOk(AdminClient.call(options.config, "POST",
                        "/hosts/forget?address=" + URLEncoder.encode(address, StandardCharsets.UTF_8)));
                out.printf("%s: cached failure forgotten; the next delivery may dial it again.%n",
                        a.body().path("address").asText(address));
                out.flush();
                return 0;
            });
        }
    }
}
