package org.postroom.imap;

import com.typesafe.config.ConfigFactory;
import org.postroom.auth.Accounts;
import org.postroom.config.Settings;
import org.postroom.imap.mailbox.MailboxRegistry;
import org.postroom.imap.session.ImapHandler;
import org.postroom.net.FakeSessionContext;
import org.postroom.store.MaildirStore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A temp-dir Maildir store with accounts alice and bob, and IMAP sessions over {@link
 * FakeSessionContext} that share one registry, as the sessions of one listener do.
 */
public final class ImapFixture {
    public final Settings settings;
    public final Accounts accounts;
    public final MaildirStore store;
    public final MailboxRegistry registry = new MailboxRegistry();

    public ImapFixture(Path dir) {
        this(dir, "");
    }

    public ImapFixture(Path dir, String overrides) {
        String conf = "postroom { hostname = \"mail.example.test\", data-dir = \"" + dir.toString().replace("\\", "/")
                + "\", local-domains = [\"example.test\"], accounts = ["
                + "{ address = \"alice@example.test\", password = \"alice-pw\" },"
                + "{ address = \"bob@example.test\", password = \"bob-pw\" }] \n" + overrides + " }";
        settings = Settings.from(ConfigFactory.parseString(conf).withFallback(ConfigFactory.defaultReference()).resolve());
        accounts = new Accounts(settings.accounts());
        store = new MaildirStore(dir.resolve("mail"), settings.hostname());
    }

    public FakeSessionContext session() {
        return new FakeSessionContext(new ImapHandler(settings, accounts, store, registry), "imap");
    }

    /** A started session logged in as alice. */
    public FakeSessionContext alice() {
        FakeSessionContext s = session();
        s.start();
        String out = s.feed("a0 LOGIN alice@example.test alice-pw\r\n");
        if (!out.contains("a0 OK")) {
            throw new IllegalStateException(out);
        }
        return s;
    }

    public void deliver(String account, String messageLf) {
        try {
            store.deliver(account, messageLf.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String message(String subject, String body) {
        return "From: Bob <bob@example.test>\nTo: alice@example.test\nSubject: " + subject
                + "\nDate: Mon, 2 Mar 2026 10:00:00 +0000\nMessage-ID: <" + subject.hashCode() + "@example.test>\n\n"
                + body + "\n";
    }
}
