package org.postroom.tls;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLEngine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The server's TLS policy: TLS 1.2+ only, forward-secret AEAD suites only, a generated certificate reused. */
class ServerTlsPolicyTest {

    @Test
    void enginesShouldOfferOnlyTls12And13WithModernSuites(@TempDir Path dir) throws Exception {
        ServerTls tls = ServerTls.load(TlsSettings.from(com.typesafe.config.ConfigFactory.defaultReference()),
                dir, "mail.example.test");
        SSLEngine engine = tls.newEngine();
        assertEquals(Set.of("TLSv1.2", "TLSv1.3"), Set.of(engine.getEnabledProtocols()));
        List<String> suites = List.of(engine.getEnabledCipherSuites());
        assertFalse(suites.isEmpty());
        assertTrue(suites.contains("TLS_AES_128_GCM_SHA256"), suites.toString());
        assertTrue(suites.stream().anyMatch(s -> s.startsWith("TLS_ECDHE_") && s.contains("_GCM_")), suites.toString());
        for (String s : suites) {
            assertFalse(s.contains("_CBC_") || s.startsWith("TLS_RSA_") || s.contains("3DES") || s.contains("RC4")
                    || s.contains("NULL") || s.contains("anon") || s.contains("EXPORT"), s);
        }
        assertFalse(engine.getUseClientMode());
    }

    @Test
    void theGeneratedCertificateShouldBeWrittenOnceAndReused(@TempDir Path dir) throws Exception {
        TlsSettings settings = TlsSettings.from(com.typesafe.config.ConfigFactory.defaultReference());
        ServerTls first = ServerTls.load(settings, dir, "mail.example.test");
        Path file = dir.resolve("tls").resolve("self-signed.p12");
        assertTrue(Files.exists(file));
        ServerTls second = ServerTls.load(settings, dir, "mail.example.test");
        assertEquals(first.certificate(), second.certificate());
        assertTrue(first.certificate().getSubjectX500Principal().getName().contains("mail.example.test"));
    }
}
