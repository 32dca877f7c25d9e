package dev.sluice.postgres;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

import dev.sluice.core.SluiceException;
import dev.sluice.core.config.UpstreamTls;

/**
 * TLS contexts for upstream connections. {@code prefer} and {@code require} encrypt without verifying the server,
 * as libpq does without a root certificate; {@code verify-full} trusts only the configured CA file and checks the
 * host name.
 */
final class UpstreamTlsContexts {
    private UpstreamTlsContexts() {
    }

    static SSLContext forMode(UpstreamTls tls) {
        try {
            SSLContext result = SSLContext.getInstance("TLS");
            TrustManager[] trust = tls.mode() == UpstreamTls.Mode.VERIFY_FULL
                    ? caTrust(tls) : new TrustManager[] {new EncryptOnly()};
            result.init(null, trust, new SecureRandom());
            return result;
        } catch (GeneralSecurityException | IOException e) {
            throw new SluiceException("cannot set up upstream TLS: " + e.getMessage(), e);
        }
    }

    private static TrustManager[] caTrust(UpstreamTls tls) throws GeneralSecurityException, IOException {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        try (InputStream in = Files.newInputStream(tls.caFile().orElseThrow(
                () -> new SluiceException("verify-full needs a CA file")))) {
            int i = 0;
            for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                store.setCertificateEntry("ca-" + i++, certificate);
            }
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(store);
        return factory.getTrustManagers();
    }

    /** Accepts any server certificate: encryption without authentication, only for prefer/require. */
    private static final class EncryptOnly implements X509TrustManager {
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
    }
}
