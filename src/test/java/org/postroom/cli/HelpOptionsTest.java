package org.postroom.cli;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.postroom.Main;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every command, however deep, answers --help with its own usage and exit code 0 (no engine needed). */
class HelpOptionsTest {

    @ParameterizedTest(name = "postroom {0} --help")
    @CsvSource(delimiter = '|', value = {
            "queue list|--page-size",
            "queue show|Usage: postroom queue show",
            "queue delete|Usage: postroom queue delete",
            "hosts forget|Usage: postroom hosts forget",
            "status|Usage: postroom status",
            "reload|Usage: postroom reload",
            "hash-password|Usage: postroom hash-password",
    })
    void helpShouldPrintTheCommandsOwnUsage(String command, String expected) {
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(new Main());
        cli.setOut(new PrintWriter(out));
        String[] args = (command + " --help").split(" ");
        assertEquals(0, cli.execute(args));
        assertTrue(out.toString().contains(expected), out.toString());
        assertTrue(out.toString().contains("-h, --help"), out.toString());
    }
}
