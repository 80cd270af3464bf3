package org.postroom.smtp;

import org.junit.jupiter.api.Test;
import org.postroom.smtp.SmtpClients.LineClient;
import org.postroom.testsupport.TestEngine;

import java.io.IOException;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** max-sessions + 1 on smtp and msa gets the identical 421 line; a slot freed by QUIT or a reset is reused. */
class ServerTooBusyIntegrationTest {

    @Test
    void connectionOverTheLimitShouldGetServerTooBusyOnBothListeners() throws Exception {
        try (TestEngine engine = TestEngine.start("inbound.smtp.max-sessions = 2\ninbound.msa.max-sessions = 2")) {
            for (String kind : List.of("smtp", "msa")) {
                int port = SmtpListeners.port(engine, kind);
                List<LineClient> open = new ArrayList<>();
                try {
                    for (int i = 0; i < 2; i++) {
                        LineClient c = new LineClient(port);
                        assertTrue(c.reply().startsWith("220 mail.example.test ESMTP"));
                        open.add(c);
                    }
                    try (LineClient refused = new LineClient(port)) {
                        assertEquals("421 4.3.2 mail.example.test Server Too Busy", refused.reply(), kind);
                        assertTrue(refused.closedByServer());
                    }
                    // Every accepted connection, admitted or refused, had its wait for the decision timed.
                    assertEquals(3, engine.metrics().admissionWait(kind).count(), kind);
                    // One leaves politely, the other by a reset: both slots come back.
                    open.get(0).send("QUIT\r\n");
                    assertTrue(open.get(0).reply().startsWith("221"));
                    reset(open.get(1));
                    await().atMost(Duration.ofSeconds(10)).until(() -> engine.metrics().sessions(kind).active() == 0);
                    for (int i = 0; i < 2; i++) {
                        LineClient c = new LineClient(port);
                        assertTrue(c.reply().startsWith("220 "), kind);
                        open.add(c);
                    }
                } finally {
                    for (LineClient c : open) {
                        c.close();
                    }
                }
            }
        }
    }

    private static void reset(LineClient c) throws IOException {
        Socket s = c.socket();
        s.setSoLinger(true, 0);
        s.close();
    }
}
