package org.postroom.pop3;

import org.postroom.auth.Accounts;
import org.postroom.config.Settings;
import org.postroom.net.FakeSessionContext;
import org.postroom.pop3.maildrop.MaildropLocks;
import org.postroom.pop3.session.Pop3Authenticator;
import org.postroom.pop3.session.Pop3Backend;
import org.postroom.pop3.session.Pop3Handler;
import org.postroom.pop3.session.Pop3Policy;
import org.postroom.store.MaildirStore;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

/**
 * A POP3 server without sockets for tests: a Maildir store in a temp dir, the accounts
 * alice@example.test/alice-pw and bob@example.test/bob-pw, one lock registry, and handlers driven by
 * {@link FakeSessionContext}. The failed-login pause is zero unless a test asks for one.
 */
public final class Pop3Fixture {
    public static final String HOST = "mail.example.test";
    public static final String TIMESTAMP = "<1234.5678@mail.example.test>";
    public static final String ALICE = "alice@example.test";

    public final Path root;
    public final MaildirStore store;
    public final MaildropLocks locks = new MaildropLocks();
    public final List<String> changed = new CopyOnWriteArrayList<>();
    public final Pop3Backend backend;

    public Pop3Fixture(Path tempDir) {
        this(tempDir, new Pop3Policy(512, 5, 3, Duration.ZERO, Duration.ofMinutes(5)));
    }

    public Pop3Fixture(Path tempDir, Pop3Policy policy) {
        this.root = tempDir.resolve("mail");
        this.store = new MaildirStore(root, HOST);
        List<Settings.AccountSettings> accounts = List.of(
                new Settings.AccountSettings(ALICE, "alice-pw", null),
                new Settings.AccountSettings("bob@example.test", "bob-pw", null));
        this.backend = new Pop3Backend(policy, HOST, Pop3Authenticator.of(new Accounts(accounts), accounts),
                locks, store::inbox, changed::add);
    }

    public Pop3Handler handler() {
        return new Pop3Handler(backend, TIMESTAMP);
    }

    public FakeSessionContext session() {
        return new FakeSessionContext(handler(), "pop3");
    }

    /** Writes a message with a fixed Maildir name into alice's new/ (text given with LF line ends). */
    public Path seed(String baseName, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        Path inbox = store.inbox(ALICE);
        MaildirStore.ensureMaildir(inbox);
        String name = baseName + ",S=" + bytes.length + ",W=" + MaildirStore.crlfSize(bytes);
        return Files.write(inbox.resolve("new").resolve(name), bytes);
    }

    /** The three messages the golden transcripts read. */
    public void seedStandardMailbox() throws IOException {
        seed("1700000001.M1P1Q1.mail.example.test", """
                From: bob@example.test
                To: alice@example.test
                Subject: first

                Hello Alice.
                """);
        seed("1700000002.M2P1Q2.mail.example.test", """
                From: bob@example.test
                To: alice@example.test
                Subject: dots

                line one
                .leading dot
                ..two dots
                .
                last line
                """);
        seed("1700000003.M3P1Q3.mail.example.test", """
                From: carol@example.test
                To: alice@example.test
                Subject: third

                Bye.
                """);
    }

    /** File names in alice's cur/ and new/, sorted. */
    public List<String> aliceFiles() throws IOException {
        List<String> names = new ArrayList<>();
        Path inbox = store.inbox(ALICE);
        for (String sub : new String[] {"cur", "new"}) {
            Path dir = inbox.resolve(sub);
            if (Files.isDirectory(dir)) {
                try (Stream<Path> s = Files.list(dir)) {
                    s.forEach(p -> names.add(sub + "/" + p.getFileName()));
                }
            }
        }
        names.sort(null);
        return names;
    }
}
