package org.postroom.multipop;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postroom.config.Settings.PopSource;
import org.postroom.multipop.client.Pop3Client;
import org.postroom.store.MaildirStore;
import org.postroom.testsupport.TestEngine;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Interoperability with a real POP3 server: Debian's Dovecot (packages dovecot-core, dovecot-pop3d),
 * started as a child process with a throw-away config on 127.0.0.1. Skipped where Dovecot is not
 * installed or the test does not run as root (Dovecot's mail processes run as nobody).
 */
class MultiPopDovecotIntegrationTest {
    private static final Path DOVECOT = Path.of("/usr/sbin/dovecot");
    private static final int NOBODY = 65534;

    private Path dir;
    private Process dovecot;
    private int port;

    @BeforeEach
    void startDovecot() throws Exception {
        boolean available = Files.isExecutable(DOVECOT) && Files.exists(Path.of("/usr/lib/dovecot/pop3"))
                && "root".equals(System.getProperty("user.name"));
        if (Boolean.getBoolean("multipop.dovecot.required")) {
            // .ci/interop/multipop-dovecot.sh installs Dovecot and sets this: a skip would hide a broken setup.
            assertTrue(available, "Dovecot POP3 required but not installed, or not running as root");
        }
        assumeTrue(available, "no Dovecot POP3, or not root (Dovecot's mail processes run as nobody)");
        dir = Files.createTempDirectory("multipop-dovecot");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        for (String d : List.of("run", "state", "mail", "local")) {
            Files.createDirectories(dir.resolve(d));
        }
        Files.writeString(dir.resolve("passwd"), "bob:{PLAIN}bob-secret::::::\ncarol:{PLAIN}carol-secret::::::\n");
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        String conf = """
                base_dir = %1$s/run
                state_dir = %1$s/state
                log_path = %1$s/dovecot.log
                protocols = pop3
                listen = 127.0.0.1
                ssl = no
                disable_plaintext_auth = no
                auth_mechanisms = plain
                default_internal_user = dovecot
                default_login_user = dovenull
                mail_location = maildir:%1$s/mail/%%u
                pop3_uidl_format = %%08Xu%%08Xv
                passdb {
                  driver = passwd-file
                  args = scheme=PLAIN username_format=%%u %1$s/passwd
                }
                userdb {
                  driver = static
                  args = uid=%2$d gid=%2$d home=%1$s/mail/%%u
                }
                service pop3-login {
                  chroot =
                  inet_listener pop3 {
                    port = %3$d
                  }
                }
                service imap-login {
                  chroot =
                }
                service anvil {
                  chroot =
                }
                """.formatted(dir, NOBODY, port);
        Files.writeString(dir.resolve("dovecot.conf"), conf);
        dovecot = new ProcessBuilder(DOVECOT.toString(), "-F", "-c", dir.resolve("dovecot.conf").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("stdout.txt").toFile()).start();
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                return true;
            }
        });
    }

    @AfterEach
    void stopDovecot() throws Exception {
        if (dovecot != null) {
            List<ProcessHandle> children = dovecot.descendants().toList();
            dovecot.destroy();
            if (!dovecot.waitFor(10, TimeUnit.SECONDS)) {
                dovecot.destroyForcibly();
            }
            children.forEach(ProcessHandle::destroyForcibly);
        }
        if (dir != null) {
            TestEngine.deleteRecursively(dir);
        }
    }

    /** Puts messages into a Dovecot user's Maildir, owned by the mail user. */
    private void seed(String user, List<String> messages) throws IOException {
        Path maildir = dir.resolve("mail").resolve(user);
        MaildirStore.ensureMaildir(maildir);
        int i = 0;
        for (String m : messages) {
            Files.writeString(maildir.resolve("new").resolve("1700000000.M" + (++i) + "P1.seed"), m,
                    StandardCharsets.ISO_8859_1);
        }
        try (var paths = Files.walk(maildir)) {
            for (Path p : paths.toList()) {
                Files.setAttribute(p, "unix:uid", NOBODY);
                Files.setAttribute(p, "unix:gid", NOBODY);
            }
        }
    }

    private static List<String> messages(String who) {
        List<String> list = new ArrayList<>();
        list.add("From: " + who + "@remote.example\nSubject: first\n\nhello\n.\n..two dots\n");
        list.add("From: " + who + "@remote.example\nSubject: big\n\n" + "0123456789abcdef\n".repeat(20_000));
        return list;
    }

    private static List<String> inbox(MaildirStore store, String account) throws IOException {
        List<String> texts = new ArrayList<>();
        Path dir = store.inbox(account).resolve("new");
        if (Files.isDirectory(dir)) {
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    texts.add(Files.readString(p, StandardCharsets.ISO_8859_1));
                }
            }
        }
        texts.sort(null);
        return texts;
    }

    @Test
    void dovecotMailboxesShouldBeCollectedOnceDeletedOrLeftAsConfigured() throws Exception {
        seed("bob", messages("bob"));
        seed("carol", messages("carol"));
        MaildirStore store = new MaildirStore(dir.resolve("local").resolve("mail"), "mail.example.test");
        SourceCollection collection = new SourceCollection(store, dir.resolve("local").resolve("multipop"),
                SourceCollection.connector(new Pop3Client.Options(Duration.ofSeconds(5), Duration.ofSeconds(10),
                        1 << 20, null)), s -> { });
        PopSource bob = new PopSource("alice@example.test", "127.0.0.1", port, "bob", "bob-secret", false, "none");
        PopSource carol = new PopSource("demo@example.test", "127.0.0.1", port, "carol", "carol-secret", true, "none");

        assertEquals(new CollectionOutcome.Collected(2, 2, 0), collection.collect(bob));
        assertEquals(new CollectionOutcome.Collected(2, 0, 0), collection.collect(carol));
        assertEquals(new CollectionOutcome.Collected(0, 0, 0), collection.collect(bob));
        assertEquals(new CollectionOutcome.Collected(0, 0, 2), collection.collect(carol));

        List<String> expectedBob = new ArrayList<>(messages("bob"));
        expectedBob.sort(null);
        assertEquals(expectedBob, inbox(store, "alice@example.test"));
        assertEquals(2, inbox(store, "demo@example.test").size());
        try (var left = Files.walk(dir.resolve("mail").resolve("bob"))) {
            assertEquals(0, left.filter(p -> Files.isRegularFile(p)
                    && (p.getParent().endsWith("cur") || p.getParent().endsWith("new"))).count());
        }

        CollectionOutcome.Failed wrong = (CollectionOutcome.Failed) collection.collect(
                new PopSource("alice@example.test", "127.0.0.1", port, "bob", "nope", false, "none"));
        assertEquals(CollectionOutcome.Stage.LOGIN, wrong.stage());
    }
}
