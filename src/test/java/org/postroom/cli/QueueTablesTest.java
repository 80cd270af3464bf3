package org.postroom.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The tables {@code postroom queue} and {@code postroom hosts} print, from the admin API's JSON. */
class QueueTablesTest {
    private static JsonNode json(String s) throws Exception {
        return new ObjectMapper().readTree(s.replace('\'', '"'));
    }

    private static final String MESSAGE = """
            {'id':'018f2a3b4c5d6000001a2b3c','sender':'alice@example.test','created':'2026-11-29T07:00:00Z',
             'ageSeconds':3725,'size':1234,'attempts':2,'nextAttempt':'2026-11-29T08:06:30Z',
             'recipients':[
               {'address':'x@remote.test','state':'deferred','attempts':2,'nextAttempt':'2026-11-29T08:06:30Z',
                'lastError':'421 4.4.0 try later'},
               {'address':'y@other.test','state':'delivered','attempts':0,'nextAttempt':'2026-11-29T07:00:00Z',
                'lastError':'250 2.0.0 ok'}],
             'headers':'Subject: hi\\r\\nFrom: alice@example.test\\r\\n'}""";

    @Test
    void listShouldPrintOneLinePerMessageWithItsRecipientsIndented() throws Exception {
        String out = QueueTables.list(json("{'asOf':'2026-11-29T08:02:05Z','count':1,'messages':[" + MESSAGE + "]}"));
        assertEquals("""
                ID                              SIZE       AGE ATTEMPTS  NEXT ATTEMPT   SENDER
                018f2a3b4c5d6000001a2b3c        1234    1h 02m        2  in 4m 25s      alice@example.test
                    deferred   x@remote.test  (2 attempts, next in 4m 25s)
                    delivered  y@other.test
                -- 1 message, 1 recipient to deliver
                """, out);
    }

    @Test
    void listShouldSaySoWhenTheQueueIsEmpty() throws Exception {
        assertEquals("The queue is empty.\n", QueueTables.list(json("{'asOf':'2026-11-29T08:00:00Z','messages':[]}")));
    }

    @Test
    void showShouldPrintTheEnvelopeEachRecipientWithItsLastErrorAndTheHeaders() throws Exception {
        assertEquals("""
                Message  018f2a3b4c5d6000001a2b3c
                Sender   alice@example.test
                Created  2026-11-29T07:00:00Z (1h 02m ago)
                Size     1234 bytes
                Attempts 2, next attempt in 4m 25s

                STATE      ATTEMPTS  NEXT ATTEMPT   RECIPIENT
                deferred          2  in 4m 25s      x@remote.test
                                     last: 421 4.4.0 try later
                delivered         0  -              y@other.test
                                     last: 250 2.0.0 ok

                Headers:
                  Subject: hi
                  From: alice@example.test
                """, QueueTables.show(json(MESSAGE)));
    }

    @Test
    void hostsShouldPrintTheLimitCachedFailuresAndTokenHolders() throws Exception {
        String out = QueueTables.hosts(json("""
                {'asOf':'2026-11-29T08:00:00Z','maxConnectionsPerIp':3,'trustedIps':['10.1.0.0/16'],
                 'trustedIpsUseConnectionLimit':false,'reservedIpsUseConnectionLimit':true,
                 'cachedFailures':[{'address':'192.0.2.7','failedUntil':'2026-11-29T08:04:10Z',
                   'expiresInSeconds':250,'reason':'connection refused'}],
                 'tokens':[{'address':'198.51.100.3','tokens':2}],'tokensInUse':2}"""));
        assertEquals("""
                Per-IP connection limit: 3; trusted (exempt): 10.1.0.0/16; reserved addresses limited

                CACHED FAILURE                           UNTIL                     EXPIRES IN  REASON
                192.0.2.7                                2026-11-29T08:04:10Z          4m 10s  connection refused

                TOKENS HELD FOR                           COUNT
                198.51.100.3                                  2
                total                                         2
                """, out);
    }

    @Test
    void hostsShouldSaySoWhenNothingIsCachedOrHeld() throws Exception {
        String out = QueueTables.hosts(json("{'maxConnectionsPerIp':0,'cachedFailures':[],'tokens':[]}"));
        assertEquals("Per-IP connection limit: unlimited; reserved addresses exempt\n\n"
                + "No cached connection failures.\n\nNo delivery connections hold tokens.\n", out);
    }

    @Test
    void durationsShouldReadLikeAnOperatorWouldSayThem() {
        assertEquals("0s", QueueTables.duration(-5));
        assertEquals("42s", QueueTables.duration(42));
        assertEquals("5m 02s", QueueTables.duration(302));
        assertEquals("3h 04m", QueueTables.duration(3 * 3600 + 4 * 60 + 59));
        assertEquals("2d 07h", QueueTables.duration(2 * 86400 + 7 * 3600 + 100));
    }
}
