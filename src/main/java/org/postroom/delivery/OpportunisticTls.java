package org.postroom.delivery;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/**
 * The client TLS of outbound delivery: opportunistic, so any certificate is accepted (as Postfix's
 * "may" level does: without DANE or MTA-STS there is no name to check an MX certificate against).
 * TLS 1.2 and 1.3 only.
 */
final class OpportunisticTls {
    static final SSLContext CONTEXT = context();

    private OpportunisticTls() {
    }

    private static SSLContext context() {
        try {
            SSLContext c = SSLContext.getInstance("TLS");
            c.init(null, new TrustManager[] {new X509TrustManager() {
                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            }}, null);
            return c;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no TLS in this JVM", e);
        }
    }

    static String[] protocols(String[] supported) {
        List<String> out = new ArrayList<>();
        for (String p : supported) {
            if (p.equals("TLSv1.3") || p.equals("TLSv1.2")) {
                out.add(p);
            }
        }
        return out.toArray(String[]::new);
    }
}
