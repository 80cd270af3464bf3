package org.postroom.pop3.codec;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

import java.util.OptionalInt;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

class Pop3CommandTest {

    static Stream<Arguments> table() {
        return Stream.of(
                Arguments.of("USER alice", new Pop3Command.User("alice")),
                Arguments.of("user alice@example.test", new Pop3Command.User("alice@example.test")),
                Arguments.of("PASS secret", new Pop3Command.Pass("secret")),
                Arguments.of("PASS with  spaces ", new Pop3Command.Pass("with  spaces ")),
                Arguments.of("APOP alice c4c9334bac560ecc979e58001b3e22fb", new Pop3Command.Apop("alice", "c4c9334bac560ecc979e58001b3e22fb")),
                Arguments.of("STAT", new Pop3Command.Stat()),
                Arguments.of("stat ", new Pop3Command.Stat()),
                Arguments.of("LIST", new Pop3Command.List(OptionalInt.empty())),
                Arguments.of("LIST 3", new Pop3Command.List(OptionalInt.of(3))),
                Arguments.of("UIDL", new Pop3Command.Uidl(OptionalInt.empty())),
                Arguments.of("UIDL 12", new Pop3Command.Uidl(OptionalInt.of(12))),
                Arguments.of("RETR 1", new Pop3Command.Retr(1)),
                Arguments.of("DELE 2", new Pop3Command.Dele(2)),
                Arguments.of("TOP 1 0", new Pop3Command.Top(1, 0)),
                Arguments.of("TOP 4 10", new Pop3Command.Top(4, 10)),
                Arguments.of("TOP  4   10", new Pop3Command.Top(4, 10)),
                Arguments.of("RETR   7", new Pop3Command.Retr(7)),
                Arguments.of("RSET", new Pop3Command.Rset()),
                Arguments.of("NOOP", new Pop3Command.Noop()),
                Arguments.of("QUIT", new Pop3Command.Quit()),
                Arguments.of("CAPA", new Pop3Command.Capa()),
                Arguments.of("STLS", new Pop3Command.Stls()),
                Arguments.of("RETR 99999999999", new Pop3Command.Retr(Integer.MAX_VALUE)),
                Arguments.of("HELO there", new Pop3Command.Unknown("HELO")),
                Arguments.of("", new Pop3Command.Unknown("")));
    }

    @ParameterizedTest(name = "[{index}] \"{0}\"")
    @MethodSource("table")
    void parseShouldTurnEachLineIntoItsCommand(String line, Pop3Command expected) {
        assertEquals(expected, Pop3Command.parse(line));
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                Arguments.of("USER", "USER needs a name"),
                Arguments.of("USER a b", "USER takes one name"),
                Arguments.of("PASS", "PASS needs a password"),
                Arguments.of("RETR", "RETR takes one message number"),
                Arguments.of("RETR x", "Invalid message number"),
                Arguments.of("RETR 0", "Invalid message number"),
                Arguments.of("DELE -1", "Invalid message number"),
                Arguments.of("LIST 1 2", "LIST takes at most one message number"),
                Arguments.of("LIST  1    2", "LIST takes at most one message number"),
                Arguments.of("TOP 1", "TOP takes a message number and a line count"),
                Arguments.of("TOP 1 x", "Invalid line count"),
                Arguments.of("STAT 1", "STAT takes no arguments"),
                Arguments.of("APOP alice", "APOP takes a name and a digest"));
    }

    @ParameterizedTest(name = "[{index}] \"{0}\"")
    @MethodSource("invalid")
    void parseShouldExplainWhatIsWrongWithAKnownVerb(String line, String reason) {
        Pop3Command.Invalid invalid = assertInstanceOf(Pop3Command.Invalid.class, Pop3Command.parse(line));
        assertEquals(reason, invalid.reason());
    }

    @Test
    void passShouldNotShowThePasswordInToString() {
        assertEquals("Pass[***]", new Pop3Command.Pass("hunter2").toString());
    }
}
