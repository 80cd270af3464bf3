package org.postroom.imap.message;

import org.junit.jupiter.api.Test;
import org.postroom.imap.codec.FetchAttribute.BodySection;
import org.postroom.imap.codec.FetchAttribute.SectionText;
import org.postroom.store.MaildirStore;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImapMessageTest {

    static byte[] sample(String name) throws IOException {
        try (InputStream in = ImapMessageTest.class.getResourceAsStream("/transcripts/imap/messages/" + name)) {
            return MaildirStore.lfToCrlf(in.readAllBytes());
        }
    }

    private static String section(ImapMessage m, List<Integer> part, SectionText text, String... fields) {
        return new String(m.section(new BodySection(part, text, List.of(fields), true, -1, -1)),
                StandardCharsets.UTF_8);
    }

    /** The figures agree with Dovecot 2.3's answer for the same file (checked with bench/lib/peers.sh). */
    @Test
    void bodyStructureOfMixedWithNestedAlternativeAttachmentAndMessageShouldBeExact() throws IOException {
        ImapMessage m = new ImapMessage(sample("multipart-mixed.eml"));
        String expected = "("
                + "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\") NIL NIL \"7BIT\" 39 2 NIL NIL NIL NIL)"
                + "(\"TEXT\" \"HTML\" (\"CHARSET\" \"utf-8\") NIL NIL \"QUOTED-PRINTABLE\" 48 1 NIL NIL NIL NIL)"
                + " \"ALTERNATIVE\" (\"BOUNDARY\" \"inner\") NIL NIL NIL)"
                + "(\"APPLICATION\" \"PDF\" (\"NAME\" \"report.pdf\") NIL NIL \"BASE64\" 72 NIL"
                + " (\"attachment\" (\"FILENAME\" \"report.pdf\")) NIL NIL)"
                + "(\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" 133"
                + " (\"Mon, 2 Mar 2026 08:00:00 +0000\" \"Forwarded note\" ((\"Carol\" NIL \"carol\" \"example.test\"))"
                + " ((\"Carol\" NIL \"carol\" \"example.test\")) ((\"Carol\" NIL \"carol\" \"example.test\"))"
                + " ((NIL NIL \"bob\" \"example.test\")) NIL NIL NIL NIL)"
                + " (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 12 0 NIL NIL NIL NIL) 5 NIL NIL NIL NIL)"
                + " \"MIXED\" (\"BOUNDARY\" \"outer-boundary\") NIL NIL NIL)";
        assertEquals(expected, m.bodyStructure(true));
    }

    @Test
    void bodyWithoutExtensionsShouldOmitExtensionData() throws IOException {
        ImapMessage m = new ImapMessage(sample("multipart-mixed.eml"));
        String body = m.bodyStructure(false);
        assertTrue(body.startsWith("(((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\") NIL NIL \"7BIT\" 39 2)"), body);
        assertTrue(body.endsWith(" \"MIXED\")"), body);
    }

    @Test
    void envelopeShouldCarryAddressesGroupsAndIds() throws IOException {
        ImapMessage m = new ImapMessage(sample("multipart-mixed.eml"));
        assertEquals("(\"Tue, 3 Mar 2026 09:30:00 +0100\" \"Quarterly report\""
                + " ((\"Bob Example\" NIL \"bob\" \"example.test\"))"
                + " ((\"Bob Example\" NIL \"bob\" \"example.test\"))"
                + " ((\"Bob Example\" NIL \"bob\" \"example.test\"))"
                + " ((\"Alice\" NIL \"alice\" \"example.test\")(NIL NIL \"carol\" \"example.test\"))"
                + " ((NIL NIL \"Team\" NIL)(NIL NIL \"dave\" \"example.test\")(\"Eve E.\" NIL \"eve\" \"example.test\")"
                + "(NIL NIL NIL NIL))"
                + " NIL \"<question-7@example.test>\" \"<report-1@example.test>\")", m.envelope());
    }

    @Test
    void sectionsShouldAddressNestedPartsHeadersAndEncapsulatedMessages() throws IOException {
        ImapMessage m = new ImapMessage(sample("multipart-mixed.eml"));
        assertEquals("Hello Alice,\r\nthe report is attached.\r\n", section(m, List.of(1, 1), SectionText.ALL));
        assertEquals("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n",
                section(m, List.of(1, 1), SectionText.MIME));
        assertEquals("JVBERi0xLjQKJcfsj6IKMSAwIG9iago8PC9UeXBlL0NhdGFsb2c+PgplbmRvYmoKJSVFT0YK",
                section(m, List.of(2), SectionText.ALL));
        assertEquals("Subject: Forwarded note\r\n\r\n", section(m, List.of(3), SectionText.HEADER_FIELDS, "SUBJECT"));
        assertEquals("Just a note.", section(m, List.of(3), SectionText.TEXT));
        assertEquals("Just a note.", section(m, List.of(3, 1), SectionText.ALL));
        assertEquals("Subject: Quarterly report\r\nDate: Tue, 3 Mar 2026 09:30:00 +0100\r\n\r\n",
                section(m, List.of(), SectionText.HEADER_FIELDS, "DATE", "SUBJECT"));
        String notHeader = section(m, List.of(), SectionText.HEADER_FIELDS_NOT, "CC", "TO", "FROM");
        assertTrue(notHeader.startsWith("Subject: Quarterly report\r\n"), notHeader);
        assertTrue(section(m, List.of(), SectionText.HEADER).endsWith("boundary=\"outer-boundary\"\r\n\r\n"));
        assertEquals("", section(m, List.of(9), SectionText.ALL));
    }

    @Test
    void singlePartMessageShouldDefaultToTextPlainAndPartOneIsItsBody() {
        byte[] msg = "Subject: hi\r\n\r\nline one\r\nline two".getBytes(StandardCharsets.US_ASCII);
        ImapMessage m = new ImapMessage(msg);
        assertEquals("(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 18 1 NIL NIL NIL NIL)",
                m.bodyStructure(true));
        assertEquals("line one\r\nline two", section(m, List.of(1), SectionText.ALL));
        assertEquals("(NIL \"hi\" NIL NIL NIL NIL NIL NIL NIL NIL)", m.envelope());
    }

    @Test
    void eightBitHeaderValuesShouldBeSentAsLiterals() {
        byte[] msg = "Subject: Grüße\r\n\r\nx\r\n".getBytes(StandardCharsets.UTF_8);
        String env = new ImapMessage(msg).envelope();
        assertTrue(env.contains("{7}\r\nGrüße"), env);
    }

    /** Agrees with Dovecot 2.3 (but for case, and the 2 octets noted below) on the same file. */
    @Test
    void digestDefaultsParametersAndExtensionFieldsShouldFollowTheRfcs() throws IOException {
        ImapMessage m = new ImapMessage(sample("digest-and-params.eml"));
        String expected = "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"iso-8859-1\" \"FORMAT\" \"flowed\") \"<intro@example.test>\""
                + " \"Intro text\" \"QUOTED-PRINTABLE\" 14 0 NIL NIL (\"en\" \"de\") NIL)"
                + "((\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" 67 (NIL \"first in digest\""
                + " ((NIL NIL \"one\" \"example.test\")) ((NIL NIL \"one\" \"example.test\"))"
                + " ((NIL NIL \"one\" \"example.test\")) NIL NIL NIL NIL NIL)"
                + " (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 15 0 NIL NIL NIL NIL) 3 NIL NIL NIL NIL)"
                // Dovecot counts the CRLF after the nested close-delimiter into this part (219 octets,
                // 13 lines); RFC 2046's grammar gives it to the next delimiter, as here.
                + "(\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" 217 (NIL \"second in digest\""
                + " ((NIL NIL \"two\" \"example.test\")) ((NIL NIL \"two\" \"example.test\"))"
                + " ((NIL NIL \"two\" \"example.test\")) NIL NIL NIL NIL NIL)"
                + " ((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 9 0 NIL NIL NIL NIL)"
                + "(\"TEXT\" \"ENRICHED\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 16 0 NIL NIL NIL NIL)"
                + " \"ALTERNATIVE\" (\"BOUNDARY\" \"alt2\") NIL NIL NIL) 12 NIL NIL NIL NIL)"
                + " \"DIGEST\" (\"BOUNDARY\" \"dig\") NIL NIL NIL)"
                + "(\"APPLICATION\" \"OCTET-STREAM\" NIL NIL NIL \"BASE64\" 8 \"Q2hlY2sgSW50ZWdyaXR5IQ==\""
                + " (\"attachment\" (\"FILENAME*\" \"UTF-8''na%C3%AFve.bin\")) NIL \"http://example.test/naive.bin\")"
                + " \"MIXED\" (\"BOUNDARY\" \"top\") NIL NIL NIL)";
        assertEquals(expected, m.bodyStructure(true));
        assertEquals("(\"Wed, 4 Mar 2026 12:00:00 -0500\" \"=?UTF-8?Q?Gr=C3=BC=C3=9Fe?= digest\""
                + " ((\"Doe, Jane\" NIL \"jane\" \"example.test\")) ((NIL NIL \"list-bounces\" \"example.test\"))"
                + " ((NIL NIL \"list\" \"example.test\")) ((NIL NIL \"undisclosed-recipients\" NIL)(NIL NIL NIL NIL))"
                + " ((\"Mike M.\" NIL \"mike\" \"example.test\")(NIL NIL \"ann\" \"example.test\")) NIL NIL"
                + " \"<digest-9@example.test>\")", m.envelope());
        assertEquals("<bold>two</bold>",
                section(m, List.of(2, 2, 2), SectionText.ALL));
    }

    @Test
    void aMessageWithoutBodyShouldHaveAnEmptyTextPart() throws IOException {
        ImapMessage m = new ImapMessage(sample("headers-only.eml"));
        assertEquals("(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 0 0 NIL NIL NIL NIL)",
                m.bodyStructure(true));
        assertEquals("", section(m, List.of(), SectionText.TEXT));
    }

    @Test
    void theWholeMessageShouldBeServedWithoutBuildingTheMimeTree() throws IOException {
        byte[] bytes = sample("multipart-mixed.eml");
        ImapMessage m = new ImapMessage(bytes);
        assertEquals(new String(bytes, StandardCharsets.UTF_8), section(m, List.of(), SectionText.ALL));
        assertFalse(m.isParsed());
        section(m, List.of(1), SectionText.ALL);
        assertTrue(m.isParsed());
    }

    @Test
    void headerLinesShouldEndAtLfOrCrlfWithFoldsJoinedAndALoneCrKept() {
        byte[] header = ("Subject: first\r\n part\nX-Mixed: a\rb\r\nX-Empty:\r\n"
                + "Subject: second\n\r\nbody\r\n").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        MimePart root = new ImapMessage(header).root();
        assertEquals(java.util.List.of("first part", "second"), root.headers("Subject"));
        assertEquals("a\rb", root.header("X-Mixed"));
        assertEquals("", root.header("X-Empty"));
    }
}
