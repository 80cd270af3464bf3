package org.postroom.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;

/**
 * {@code postroom reload}: the running engine re-reads its config file and applies every session limit.
 * Exit 2 when the engine refused the file (its error names the key), 1 when no engine answered.
 */
@Command(name = "reload", description = "Make the running engine re-read its config file and apply every session limit.")
public final class ReloadCommand extends AdminCommand {
    String method() {
        return "POST";
    }

    String path() {
        return "/reload";
    }

    @Override
    AdminClient.Answer check(AdminClient.Answer answer) throws AdminClient.Failure {
        if (answer.status() == 400) {
            throw new AdminClient.Failure(2, "reload refused: " + answer.error());
        }
        return AdminClient.expectOk(answer);
    }

    String render(JsonNode answer) {
        return answer.toPrettyString() + System.lineSeparator();
    }
}
