package dev.sluice.http;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

import dev.sluice.core.SluiceException;
import dev.sluice.core.config.WebTarget;

/**
 * The TLS context Sluice uses towards one upstream: trust from {@code ca-file} (or the JDK's CAs), no check at all
 * only with {@code insecure-skip-verify: true}, and the client certificate of {@code client-cert}/{@code client-key}
 * (PEM; the key in PKCS#8, {@code BEGIN PRIVATE KEY}). Host names are verified unless verification is off.
 */
final class UpstreamTls {
    private UpstreamTls() {
    }

    static SSLContext context(WebTarget.Tls settings) {
        try {
            TrustManager[] trust = settings.insecureSkipVerify() ? new TrustManager[] {new TrustEverything()}
                    : settings.caFile().map(UpstreamTls::trustFrom).orElse(null);
            KeyManager[] keys = settings.clientCert().isPresent()
                    ? keysFrom(settings.clientCert().get(), settings.clientKey().orElseThrow()) : null;
            SSLContext result = SSLContext.getInstance("TLS");
            result.init(keys, trust, new SecureRandom());
            return result;
        } catch (GeneralSecurityException | IOException e) {
            throw new SluiceException("cannot set up TLS to the upstream: " + e.getMessage(), e);
        }
    }

    private static TrustManager[] trustFrom(Path caFile) {
        try (InputStream in = Files.newInputStream(caFile)) {
            Collection<? extends Certificate> certificates = CertificateFactory.getInstance("X.509")
                    .generateCertificates(in);
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            int i = 0;
            for (Certificate c : certificates) {
                store.setCertificateEntry("ca-" + i++, c);
            }
            if (i == 0) {
                throw new SluiceException("no certificate in " + caFile);
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            return factory.getTrustManagers();
        } catch (IOException | GeneralSecurityException e) {
            throw new SluiceException("cannot read ca-file " + caFile + ": " + e.getMessage(), e);
        }
    }

    private static KeyManager[] keysFrom(Path certFile, Path keyFile) throws IOException, GeneralSecurityException {
        Collection<? extends Certificate> chain;
        try (InputStream in = Files.newInputStream(certFile)) {
            chain = CertificateFactory.getInstance("X.509").generateCertificates(in);
        }
        PrivateKey key = privateKey(keyFile);
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        char[] password = new char[0];
        store.setKeyEntry("client", key, password, chain.toArray(Certificate[]::new));
        KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        factory.init(store, password);
        return factory.getKeyManagers();
    }

    static PrivateKey privateKey(Path keyFile) throws IOException, GeneralSecurityException {
        String pem = Files.readString(keyFile, StandardCharsets.US_ASCII);
        int begin = pem.indexOf("-----BEGIN PRIVATE KEY-----");
        int end = pem.indexOf("-----END PRIVATE KEY-----");
        if (begin < 0 || end < begin) {
            throw new SluiceException("client-key " + keyFile + " is not a PKCS#8 PEM key (BEGIN PRIVATE KEY); "
                    + "convert it with: openssl pkcs8 -topk8 -nocrypt");
        }
        byte[] der = Base64.getMimeDecoder().decode(pem.substring(begin + 27, end));
        for (String algorithm : new String[] {"RSA", "EC", "Ed25519"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // try the next algorithm
            }
        }
        throw new SluiceException("client-key " + keyFile + ": not an RSA, EC or Ed25519 key");
    }

    /** insecure-skip-verify: accepts any server certificate. Chosen explicitly in configuration, never a default. */
    private static final class TrustEverything implements X509TrustManager {
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
