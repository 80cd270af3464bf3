package org.postroom.tls;

import com.typesafe.config.Config;
import org.postroom.config.ConfigError;
import org.postroom.config.ConfigReader;

import java.nio.file.Path;

/**
 * Where the server certificate comes from ({@code postroom.tls}): a PKCS12 keystore, or a PEM
 * certificate chain and private key, or — when neither is set and {@code generate-self-signed} is
 * true — a self-signed certificate generated once into {@code data-dir/tls/}.
 */
public record TlsSettings(Path keystore, String keystorePassword, Path certificate, Path privateKey,
                          boolean generateSelfSigned) {

    public static TlsSettings from(Config root) {
        ConfigReader r = new ConfigReader(root.getConfig("postroom"), "").at("tls");
        String ks = r.string("keystore").trim();
        String cert = r.string("certificate").trim();
        String key = r.string("private-key").trim();
        if (!ks.isEmpty() && !cert.isEmpty()) {
            throw new ConfigError("tls.keystore", "set either keystore or certificate/private-key, not both");
        }
        if (cert.isEmpty() != key.isEmpty()) {
            throw new ConfigError(cert.isEmpty() ? "tls.certificate" : "tls.private-key",
                    "certificate and private-key go together");
        }
        return new TlsSettings(ks.isEmpty() ? null : Path.of(ks), r.string("keystore-password"),
                cert.isEmpty() ? null : Path.of(cert), key.isEmpty() ? null : Path.of(key),
                r.bool("generate-self-signed"));
    }

    public boolean configured() {
        return keystore != null || certificate != null || generateSelfSigned;
    }
}
