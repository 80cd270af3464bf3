package org.postroom.multipop.client;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postroom.config.Settings.PopSource;
import org.postroom.multipop.CollectionOutcome;
import org.postroom.multipop.SourceCollection;
import org.postroom.store.MaildirStore;
import org.postroom.testsupport.FakePop3Server;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import java.io.InputStream;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** STARTTLS and implicit TLS against {@link FakePop3Server} with a self-signed test certificate. */
class Pop3ClientTlsIntegrationTest {
    private static final char[] PASSWORD = "changeit".toCharArray();

    @TempDir
    Path dataDir;

    private static KeyStore keyStore() throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Pop3ClientTlsIntegrationTest.class.getResourceAsStream("/multipop/fake-pop3.p12")) {
            ks.load(in, PASSWORD);
        }
        return ks;
    }

    private static SSLContext serverContext() throws Exception {
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keyStore(), PASSWORD);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        return ctx;
    }

    private static SSLSocketFactory trustingTestCertificate() throws Exception {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(keyStore());
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx.getSocketFactory();
    }

    private CollectionOutcome collect(FakePop3Server server, String tls, SSLSocketFactory factory) {
        MaildirStore store = new MaildirStore(dataDir.resolve("mail"), "mail.example.test");
        Pop3Client.Options options = new Pop3Client.Options(Duration.ofSeconds(5), Duration.ofSeconds(5), 1 << 20, factory);
        SourceCollection c = new SourceCollection(store, dataDir.resolve("multipop"), SourceCollection.connector(options),
                s -> { });
        return c.collect(new PopSource("alice@example.test", "127.0.0.1", server.port(), "bob", "pw", false, tls));
    }

    private static FakePop3Server withMail(FakePop3Server server) {
        server.mailbox("bob", "pw").message("bob", "u1", "Subject: secret\r\n\r\nover TLS\r\n");
        return server;
    }

    @Test
    void startTlsShouldCollectOverTheUpgradedConnection() throws Exception {
        try (FakePop3Server server = withMail(FakePop3Server.startTls(serverContext(), false))) {
            assertEquals(new CollectionOutcome.Collected(1, 1, 0), collect(server, "starttls", trustingTestCertificate()));
        }
    }

    @Test
    void implicitTlsShouldCollectFromTheFirstByte() throws Exception {
        try (FakePop3Server server = withMail(FakePop3Server.startTls(serverContext(), true))) {
            assertEquals(new CollectionOutcome.Collected(1, 1, 0), collect(server, "implicit", trustingTestCertificate()));
        }
    }

    @Test
    void untrustedCertificateShouldFailBeforeLoginAndLeaveTheMail() throws Exception {
        try (FakePop3Server server = withMail(FakePop3Server.startTls(serverContext(), false))) {
            CollectionOutcome.Failed f = assertInstanceOf(CollectionOutcome.Failed.class,
                    collect(server, "starttls", (SSLSocketFactory) SSLSocketFactory.getDefault()));
            assertEquals(CollectionOutcome.Stage.CONNECT, f.stage());
            assertTrue(f.error().contains("SSL"), f.error());
            assertEquals(0, server.logins("bob"));
            assertEquals(1, server.uids("bob").size());
        }
    }

    @Test
    void startTlsRefusedByAPlaintextServerShouldFailBeforeLogin() throws Exception {
        try (FakePop3Server server = withMail(FakePop3Server.start())) {
            CollectionOutcome.Failed f = assertInstanceOf(CollectionOutcome.Failed.class,
                    collect(server, "starttls", trustingTestCertificate()));
            assertTrue(f.error().contains("STLS refused"), f.error());
            assertEquals(0, server.logins("bob"));
        }
    }
}
