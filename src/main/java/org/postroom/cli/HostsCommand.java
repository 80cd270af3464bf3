package org.postroom.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code postroom hosts [--config FILE]}: the running engine's host health (cached connection failures
 * with expiry and reason, IPs holding delivery tokens, the per-IP limit); {@code postroom hosts forget
 * ADDRESS} clears one address's cached failure (the cache is keyed by IP address). Exit code 1 when the
 * address has no cached failure or no engine answers, 2 for a config error.
 */
@Command(name = "hosts", description = "Show the outbound host health: cached failures and token holders.",
        subcommands = {HostsCommand.Forget.class})
public final class HostsCommand extends AdminCommand {
    String method() {
        return "GET";
    }

    String path() {
        return "/hosts";
    }

    String render(JsonNode a) {
        return QueueTables.hosts(a);
    }

    @Command(name = "forget", description = "Clear the cached connection failure of an IP address.")
    static final class Forget extends AdminCommand {
        @Parameters(paramLabel = "ADDRESS", description = "The IP address dialled (as postroom hosts lists it)")
        String address;

        String method() {
            return "POST";
        }

        String path() {
            return "/hosts/forget?address=" + encode(address);
        }

        String render(JsonNode a) {
            return String.format("%s: cached failure forgotten; the next delivery may dial it again.%n",
                    a.path("address").asText(address));
        }
    }
}
