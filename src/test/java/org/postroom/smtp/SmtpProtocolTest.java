package org.postroom.smtp;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postroom.auth.Accounts;
import org.postroom.config.Settings;
import org.postroom.engine.EngineServices;
import org.postroom.net.ConnectionInfo;
import org.postroom.net.FakeSessionContext;
import org.postroom.net.ProtocolHandler;
import org.postroom.smtp.SmtpTestSupport.RecordingSpool;
import org.postroom.store.MaildirStore;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SmtpProtocolTest {
    @TempDir
    Path temp;

    @Test
    void bothListenersShouldRefuseWithTheIdenticalServerTooBusyLine() {
        Settings settings = SmtpTestSupport.settings();
        assertEquals("smtp", SmtpProtocol.smtp().kind());
        assertEquals("msa", SmtpProtocol.msa().kind());
        String line = "421 4.3.2 mail.example.test Server Too Busy\r\n";
        assertEquals(line, SmtpProtocol.smtp().serverTooBusy(settings).utf8String());
        assertEquals(line, SmtpProtocol.msa().serverTooBusy(settings).utf8String());
    }

    @Test
    void msaHandlersShouldDeliverLocallyAndSpoolRemoteRecipients() throws Exception {
        Settings settings = SmtpTestSupport.settings();
        RecordingSpool spool = new RecordingSpool();
        MaildirStore store = new MaildirStore(temp, settings.hostname());
        EngineServices services = new EngineServices(settings, new Accounts(settings.accounts()), store, spool,
                new org.postroom.metrics.Metrics(), null, Runnable::run);
        ConnectionInfo info = new ConnectionInfo("msa", "s1", new InetSocketAddress("127.0.0.9", 50000),
                new InetSocketAddress("127.0.0.1", 2587));
        ProtocolHandler handler = SmtpProtocol.msa().handlers(services).create(info);
        FakeSessionContext ctx = new FakeSessionContext(handler, info);
        assertTrue(ctx.start().startsWith("220 "));
        String auth = Base64.getEncoder().encodeToString("\0alice\0alice-pw".getBytes(StandardCharsets.UTF_8));
        String out = ctx.feed("EHLO me\r\nAUTH PLAIN " + auth + "\r\nMAIL FROM:<alice@example.test>\r\n"
                + "RCPT TO:<bob@example.test>\r\nRCPT TO:<x@remote.example>\r\nDATA\r\nhi\r\n.\r\n");
        assertTrue(out.contains("250 2.0.0 Ok: queued as "), out);
        assertEquals(List.of("x@remote.example"), spool.entries.get(0).recipients());
        String received = new String(spool.entries.get(0).message(), StandardCharsets.UTF_8);
        assertTrue(received.startsWith("Received: from me ([127.0.0.9])\r\n"), received);
        try (var files = Files.list(store.inbox("bob@example.test").resolve("new"))) {
            assertEquals(1, files.count());
        }
    }
}
