package org.postroom.imap.session;

import org.junit.jupiter.api.Test;
import org.postroom.imap.codec.ImapCommand;
import org.postroom.imap.codec.ImapParser;
import org.postroom.imap.codec.SearchKey;
import org.postroom.imap.mailbox.MessageRecord;
import org.postroom.imap.message.ImapMessage;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** SEARCH keys evaluated against one message, parsed from the same text a client sends. */
class SearchEvaluatorTest {
    private static final String MESSAGE = "From: \"Bob B.\" <bob@example.test>\r\nTo: alice@example.test\r\n"
            + "Subject: =?UTF-8?Q?Caf=C3=A9?= plans\r\nDate: Tue, 3 Mar 2026 09:30:00 +0000\r\nX-Spam: no\r\n\r\n"
            + "Let us meet at noon.\r\n";

    private static boolean matches(String criteria, Set<String> flags, boolean recent) throws Exception {
        ImapCommand.Search search = (ImapCommand.Search) ImapParser.parse(
                ("t SEARCH " + criteria + "\r\n").getBytes(StandardCharsets.UTF_8)).command();
        SearchKey key = search.key();
        long internal = LocalDate.of(2026, 3, 5).atStartOfDay(ZoneId.systemDefault()).toInstant().toEpochMilli()
                + 3_600_000;
        MessageRecord r = new MessageRecord(7, flags, MESSAGE.length(), internal, Path.of("unused"));
        ImapMessage m = new ImapMessage(MESSAGE.getBytes(StandardCharsets.UTF_8));
        return SearchEvaluator.matches(key, new SearchEvaluator.Candidate(3, 10, 20, r, recent, () -> m));
    }

    private static boolean matches(String criteria) throws Exception {
        return matches(criteria, Set.of("\\Seen", "$Work"), false);
    }

    @Test
    void flagsKeywordsAndRecentShouldMatch() throws Exception {
        assertEquals(true, matches("SEEN"));
        assertEquals(false, matches("UNSEEN"));
        assertEquals(true, matches("KEYWORD $Work"));
        assertEquals(true, matches("UNKEYWORD $Home"));
        assertEquals(true, matches("UNFLAGGED UNDELETED UNANSWERED UNDRAFT"));
        assertEquals(false, matches("RECENT"));
        assertEquals(true, matches("OLD"));
        assertEquals(true, matches("NEW", Set.of(), true));
        assertEquals(false, matches("NEW", Set.of("\\Seen"), true));
    }

    @Test
    void datesShouldCompareInternalAndSentDates() throws Exception {
        assertEquals(true, matches("ON 5-Mar-2026"));
        assertEquals(true, matches("SINCE 5-Mar-2026"));
        assertEquals(false, matches("BEFORE 5-Mar-2026"));
        assertEquals(true, matches("BEFORE 6-Mar-2026"));
        assertEquals(true, matches("SENTON 3-Mar-2026"));
        assertEquals(true, matches("SENTBEFORE 4-Mar-2026"));
        assertEquals(false, matches("SENTSINCE 4-Mar-2026"));
    }

    @Test
    void headerAndTextKeysShouldMatchSubstringsCaseInsensitivelyWithEncodedWordsDecoded() throws Exception {
        assertEquals(true, matches("FROM \"bob b.\""));
        assertEquals(true, matches("TO ALICE"));
        assertEquals(true, matches("SUBJECT \"café\""));
        assertEquals(false, matches("CC alice"));
        assertEquals(true, matches("HEADER X-Spam \"\""));
        assertEquals(false, matches("HEADER X-Virus \"\""));
        assertEquals(true, matches("BODY NOON"));
        assertEquals(false, matches("BODY plans"));
        assertEquals(true, matches("TEXT plans"));
    }

    @Test
    void sizesSetsAndLogicShouldCombine() throws Exception {
        assertEquals(true, matches("LARGER 100 SMALLER 100000"));
        assertEquals(false, matches("LARGER 100000"));
        assertEquals(true, matches("UID 5:7"));
        assertEquals(false, matches("UID 8:*"));
        assertEquals(true, matches("3"));
        assertEquals(true, matches("2:4,9"));
        assertEquals(false, matches("*"));
        assertEquals(true, matches("OR FLAGGED SEEN"));
        assertEquals(false, matches("NOT SEEN"));
        assertEquals(true, matches("(SEEN (LARGER 1 NOT DELETED)) ALL"));
        assertEquals(false, matches("OR (UNSEEN) (NOT KEYWORD $Work)"));
    }
}
