package org.postroom.smtp;

import com.typesafe.config.ConfigFactory;
import org.postroom.auth.Accounts;
import org.postroom.config.Settings;
import org.postroom.net.FakeSessionContext;
import org.postroom.queue.OutboundSpool;
import org.postroom.smtp.session.Envelope;
import org.postroom.smtp.session.MailAcceptor;
import org.postroom.smtp.session.SmtpHandler;
import org.postroom.smtp.session.SmtpListener;
import org.postroom.smtp.session.SmtpSessionConfig;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Settings, accounts, handlers and test doubles for the SMTP tests (no sockets). */
public final class SmtpTestSupport {
    private SmtpTestSupport() {
    }

    public static final String BASE = """
            postroom {
              hostname = "mail.example.test"
              local-domains = ["example.test"]
              accounts = [
                { address = "alice@example.test", password = "alice-pw" }
                { address = "bob@example.test", password = "bob-pw" }
                { address = "postmaster@example.test", password = "pm-pw" }
              ]
              inbound { max-message-size = 10000, max-recipients = 3, max-bad-commands = 5, max-line-length = 512 }
            }
            """;

    public static Settings settings(String overrides) {
        return Settings.from(ConfigFactory.parseString("postroom { " + overrides + " }")
                .withFallback(ConfigFactory.parseString(BASE))
                .withFallback(ConfigFactory.defaultReference()).resolve());
    }

    public static Settings settings() {
        return settings("");
    }

    /** A handler on a fake context for {@code listener}, accepting into {@code acceptor}. */
    public static FakeSessionContext session(Settings settings, SmtpListener listener, MailAcceptor acceptor) {
        Accounts accounts = new Accounts(settings.accounts());
        SmtpHandler handler = new SmtpHandler(SmtpSessionConfig.from(settings, accounts, listener), accounts,
                acceptor, "127.0.0.1");
        return new FakeSessionContext(handler, listener.kind());
    }

    /** Lines joined with CRLF, a CRLF after the last. */
    public static String crlf(String... lines) {
        return String.join("\r\n", lines) + "\r\n";
    }

    /** Remembers what it accepted; fails on demand. */
    public static final class RecordingAcceptor implements MailAcceptor {
        public record Accepted(Envelope envelope, byte[] message) {}

        public final List<Accepted> accepted = new ArrayList<>();
        public boolean fail;

        @Override
        public String accept(Envelope envelope, byte[] message) throws IOException {
            if (fail) {
                throw new IOException("disk full");
            }
            accepted.add(new Accepted(envelope, message));
            return "ID" + accepted.size();
        }
    }

    /** An in-memory outbound spool. */
    public static final class RecordingSpool implements OutboundSpool {
        public record Entry(String sender, List<String> recipients, byte[] message) {}

        public final List<Entry> entries = new CopyOnWriteArrayList<>();
        public volatile boolean fail;

        @Override
        public String enqueue(String sender, List<String> recipients, byte[] messageCrlf) throws IOException {
            if (fail) {
                throw new IOException("spool full");
            }
            entries.add(new Entry(sender, List.copyOf(recipients), messageCrlf.clone()));
            return "S" + entries.size();
        }
    }
}
