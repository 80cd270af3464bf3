package org.postroom.tls;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Reader;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;

/**
 * The server side of TLS: one {@link SSLContext} built from the configured certificate (or a generated
 * self-signed one), handing out server-mode {@link SSLEngine}s limited to TLS 1.2 and 1.3 with
 * forward-secret AEAD cipher suites only ({@link #modernSuites}), the server's preference first.
 */
public final class ServerTls {
    public static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};
    static final String GENERATED_PASSWORD = "postroom-self-signed";

    private final SSLContext context;
    private final KeyStore keyStore;

    private ServerTls(SSLContext context, KeyStore keyStore) {
        this.context = context;
        this.keyStore = keyStore;
    }

    /** Builds the server TLS context, generating {@code dataDir/tls/self-signed.p12} when needed. */
    public static ServerTls load(TlsSettings settings, Path dataDir, String hostname) throws IOException, GeneralSecurityException {
        KeyStore ks;
        char[] password;
        if (settings.keystore() != null) {
            password = settings.keystorePassword().toCharArray();
            ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(settings.keystore())) {
                ks.load(in, password);
            }
        } else if (settings.certificate() != null) {
            password = GENERATED_PASSWORD.toCharArray();
            ks = fromPem(settings.certificate(), settings.privateKey(), password);
        } else {
            password = GENERATED_PASSWORD.toCharArray();
            Path file = dataDir.resolve("tls").resolve("self-signed.p12");
            if (!Files.exists(file)) {
                Files.createDirectories(file.getParent());
                KeyStore generated = selfSigned(hostname, password);
                Path tmp = file.resolveSibling("self-signed.p12.tmp");
                try (OutputStream out = Files.newOutputStream(tmp)) {
                    generated.store(out, password);
                }
                Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            }
            ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(file)) {
                ks.load(in, password);
            }
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, password);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, new SecureRandom());
        return new ServerTls(ctx, ks);
    }

    /** A new server-mode engine for one connection. */
    public SSLEngine newEngine() {
        SSLEngine engine = context.createSSLEngine();
        engine.setUseClientMode(false);
        SSLParameters params = engine.getSSLParameters();
        params.setProtocols(PROTOCOLS);
        params.setCipherSuites(modernSuites(engine.getSupportedCipherSuites()));
        params.setUseCipherSuitesOrder(true);
        engine.setSSLParameters(params);
        return engine;
    }

    /**
     * The suites offered: TLS 1.3's, and for TLS 1.2 only forward-secret (ECDHE/DHE) AEAD ones (GCM,
     * ChaCha20-Poly1305), in the JDK's order of preference. No CBC, RSA key exchange, 3DES, RC4 or NULL.
     */
    static String[] modernSuites(String[] supported) {
        return java.util.Arrays.stream(supported)
                .filter(suite -> suite.startsWith("TLS_AES_") || suite.startsWith("TLS_CHACHA20_")
                        || ((suite.startsWith("TLS_ECDHE_") || suite.startsWith("TLS_DHE_"))
                            && (suite.contains("_GCM_") || suite.contains("CHACHA20_POLY1305"))))
                .toArray(String[]::new);
    }

    public SSLContext context() {
        return context;
    }

    /** The certificate clients will see (for tests and for printing its fingerprint). */
    public X509Certificate certificate() throws GeneralSecurityException {
        var aliases = keyStore.aliases();
        while (aliases.hasMoreElements()) {
            String alias = aliases.nextElement();
            if (keyStore.isKeyEntry(alias)) {
                return (X509Certificate) keyStore.getCertificate(alias);
            }
        }
        throw new GeneralSecurityException("no key entry in keystore");
    }

    static KeyStore selfSigned(String hostname, char[] password) throws GeneralSecurityException, IOException {
        KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
        gen.initialize(256);
        KeyPair pair = gen.generateKeyPair();
        X500Name name = new X500Name("CN=" + hostname + ",O=Postroom self-signed");
        Instant now = Instant.now();
        var builder = new JcaX509v3CertificateBuilder(name, new BigInteger(64, new SecureRandom()),
                Date.from(now.minus(1, ChronoUnit.DAYS)), Date.from(now.plus(3650, ChronoUnit.DAYS)), name, pair.getPublic());
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[]{
                new GeneralName(GeneralName.dNSName, hostname),
                new GeneralName(GeneralName.dNSName, "localhost"),
                new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
        try {
            X509CertificateHolder holder = builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate()));
            X509Certificate cert = new JcaX509CertificateConverter().getCertificate(holder);
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("postroom", pair.getPrivate(), password, new Certificate[]{cert});
            return ks;
        } catch (org.bouncycastle.operator.OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }

    private static KeyStore fromPem(Path certFile, Path keyFile, char[] password) throws IOException, GeneralSecurityException {
        List<Certificate> chain = new ArrayList<>();
        JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
        try (Reader r = Files.newBufferedReader(certFile); PEMParser parser = new PEMParser(r)) {
            Object o;
            while ((o = parser.readObject()) != null) {
                if (o instanceof X509CertificateHolder h) {
                    chain.add(converter.getCertificate(h));
                }
            }
        }
        if (chain.isEmpty()) {
            throw new GeneralSecurityException("no certificate in " + certFile);
        }
        PrivateKey key;
        try (Reader r = Files.newBufferedReader(keyFile); PEMParser parser = new PEMParser(r)) {
            Object o = parser.readObject();
            JcaPEMKeyConverter keys = new JcaPEMKeyConverter();
            if (o instanceof PEMKeyPair kp) {
                key = keys.getKeyPair(kp).getPrivate();
            } else if (o instanceof PrivateKeyInfo info) {
                key = keys.getPrivateKey(info);
            } else {
                throw new GeneralSecurityException("no private key in " + keyFile);
            }
        }
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("postroom", key, password, chain.toArray(Certificate[]::new));
        return ks;
    }
}
