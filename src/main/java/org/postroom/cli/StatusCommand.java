package org.postroom.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;

import java.util.Map;

/** {@code postroom status}: the running engine's sessions, queue and delivery figures as a table. */
@Command(name = "status", description = "Print the running engine's sessions, queue and delivery figures.")
public final class StatusCommand extends AdminCommand {
    String method() {
        return "GET";
    }

    String path() {
        return "/status";
    }

    String render(JsonNode status) {
        return renderTable(status);
    }

    /** Renders the /status JSON as a readable table. */
    static String renderTable(JsonNode status) {
        StringBuilder out = new StringBuilder();
        out.append("Postroom on ").append(status.path("hostname").asText()).append("\n\n");
        out.append(String.format("%-10s %8s %8s %8s %10s %10s%n", "SESSIONS", "ACTIVE", "LIMIT", "PEAK", "ACCEPTED", "REFUSED"));
        for (Map.Entry<String, JsonNode> k : status.path("sessions").properties()) {
            JsonNode v = k.getValue();
            out.append(String.format("%-10s %8d %8d %8d %10d %10d%n", k.getKey(), v.path("active").asLong(),
                    v.path("limit").asLong(), v.path("peak").asLong(), v.path("accepted").asLong(),
                    v.path("refused").asLong()));
        }
        out.append("\nqueue messages: ").append(status.path("queue").path("messages").asLong()).append('\n');
        JsonNode d = status.path("deliveries");
        out.append("deliveries: delivered ").append(d.path("delivered").asLong())
                .append(", deferred ").append(d.path("deferred").asLong())
                .append(", bounced ").append(d.path("bounced").asLong()).append('\n');
        JsonNode h = status.path("hosthealth");
        out.append("host health: cached failures ").append(h.path("cachedFailures").asLong())
                .append(", tokens in use ").append(h.path("tokensInUse").asLong())
                .append(", token denials ").append(h.path("tokenDenials").asLong()).append('\n');
        out.append("multipop messages: ").append(status.path("multipop").path("messages").asLong()).append('\n');
        return out.toString();
    }
}
