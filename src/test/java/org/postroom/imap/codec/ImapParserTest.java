package org.postroom.imap.codec;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ImapParserTest {

    private static ImapCommand parse(String line) throws ImapParseException {
        return ImapParser.parse((line + "\r\n").getBytes(StandardCharsets.UTF_8)).command();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "t NOOP | Noop[]",
            "t login alice \"p\\\"w\" | Login[user=alice, password=p\"w]",
            "t SELECT inbox | Select[mailbox=INBOX, readOnly=false]",
            "t EXAMINE \"Sent Items\" | Select[mailbox=Sent Items, readOnly=true]",
            "t LIST \"\" % | ListMailboxes[reference=, pattern=%, lsub=false]",
            "t LSUB \"Work/\" * | ListMailboxes[reference=Work/, pattern=*, lsub=true]",
            "t RENAME a b | Rename[from=a, to=b]",
            "t FETCH 1:* FAST | Fetch[uid=false, set=1:*, attributes=[FLAGS, INTERNALDATE, RFC822_SIZE]]",
            "t UID FETCH 5 BODY | Fetch[uid=true, set=5, attributes=[BODY]]",
            "t FETCH 1 BODY.PEEK[2.TEXT]<10.20> | Fetch[uid=false, set=1, attributes=[BodySection[part=[2], text=TEXT, fields=[], peek=true, partialOrigin=10, partialLength=20]]]",
            "t STORE 1 FLAGS \\Seen | Store[uid=false, set=1, mode=REPLACE, silent=false, flags=[\\Seen]]",
            "t UID STORE 1:2 -FLAGS.SILENT (\\Deleted $Junk) | Store[uid=true, set=1:2, mode=REMOVE, silent=true, flags=[\\Deleted, $Junk]]",
            "t UID EXPUNGE 3:4 | Expunge[uids=3:4]",
            "t SEARCH UNSEEN LARGER 100 | Search[uid=false, charset=null, key=And[keys=[Flag[flag=\\Seen, present=false], Size[larger=true, size=100]]]]",
            "t SEARCH 1:5 | Search[uid=false, charset=null, key=Sequence[set=1:5]]",
            "t UID SEARCH UID 4:* NOT DELETED | Search[uid=true, charset=null, key=And[keys=[Uid[set=4:*], Not[key=Flag[flag=\\Deleted, present=true]]]]]",
            "t SEARCH HEADER X-Spam yes | Search[uid=false, charset=null, key=Header[field=X-Spam, value=yes]]",
            "t STATUS INBOX (UNSEEN RECENT) | Status[mailbox=INBOX, items=[UNSEEN, RECENT]]",
            "t ID NIL | Id[parameters=null]",
            "t AUTHENTICATE plain AGFsaWNl | Authenticate[mechanism=PLAIN, initialResponse=AGFsaWNl]",
            "t COPY 1,3 Trash | Copy[uid=false, set=1,3, mailbox=Trash, move=false]",
            "t SELECT INBOX (CONDSTORE) | Select[mailbox=INBOX, readOnly=false]",
    })
    void validCommandsShouldParse(String line, String expected) throws Exception {
        assertEquals(expected, parse(line).toString());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "t FETCH | Missing argument",
            "t FETCH 1 (FLAGS | Missing argument",
            "t FETCH 0 FLAGS | Invalid sequence set: sequence number out of range: 0",
            "t FETCH 1 BODY[FOO] | Unknown section FOO",
            "t FETCH 1 BODY.PEEK | BODY.PEEK needs a section",
            "t STORE 1 LABELS x | STORE supports FLAGS, +FLAGS, -FLAGS (and .SILENT), not LABELS",
            "t SEARCH WHATEVER | Unknown search key WHATEVER",
            "t SEARCH SINCE 32-Foo-2020 | Bad date \"32-Foo-2020\", expected like 1-Feb-2026",
            "t LOGIN \"unterminated | Unterminated quoted string",
            "t NOOP extra | Unexpected characters at end of command",
            "t UID FROB 1 | Unknown UID command FROB",
    })
    void badCommandsShouldCarryTheTagAndAReason(String line, String reason) {
        ImapParseException e = assertThrows(ImapParseException.class, () -> parse(line));
        assertEquals("t", e.tag());
        assertEquals(reason, e.getMessage());
    }

    @Test
    void missingTagShouldHaveNoTag() {
        ImapParseException e = assertThrows(ImapParseException.class, () -> parse(""));
        assertEquals(null, e.tag());
    }

    @Test
    void appendShouldCarryFlagsDateAndLiteralBytes() throws Exception {
        ImapCommand c = ImapParser.parse("t APPEND Drafts (\\Draft) \" 1-Feb-2026 08:09:10 -0500\" {5}\r\nhello\r\n"
                .getBytes(StandardCharsets.UTF_8)).command();
        ImapCommand.Append a = assertInstanceOf(ImapCommand.Append.class, c);
        assertEquals("Drafts", a.mailbox());
        assertEquals("[\\Draft]", a.flags().toString());
        assertEquals("2026-02-01T08:09:10-05:00", a.date().toString());
        assertEquals("hello", new String(a.message(), StandardCharsets.UTF_8));
    }

    @Test
    void literalArgumentsShouldBeAcceptedAnywhereAStringIs() throws Exception {
        ImapCommand c = ImapParser.parse("t LOGIN {5+}\r\nalice {3}\r\npw!\r\n".getBytes(StandardCharsets.UTF_8))
                .command();
        assertEquals("Login[user=alice, password=pw!]", c.toString());
    }
}
