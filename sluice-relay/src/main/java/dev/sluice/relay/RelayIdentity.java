package dev.sluice.relay;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

import io.grpc.ChannelCredentials;
import io.grpc.TlsChannelCredentials;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * The relay's own key and certificates in its data dir: {@code relay.key} (mode 0600, made here, never sent),
 * {@code relay.crt} (from the gateway's CA) and {@code ca.crt} (the gateway's relay CA, which the gateway's
 * listener certificate must chain to).
 */
final class RelayIdentity {
    private final Path dir;

    RelayIdentity(Path dataDir) {
        this.dir = dataDir;
    }

    boolean enrolled() {
        return Files.exists(dir.resolve("relay.key")) && Files.exists(dir.resolve("relay.crt"))
                && Files.exists(dir.resolve("ca.crt"));
    }

    X509Certificate certificate() throws IOException {
        return Pem.certificate(Files.readString(dir.resolve("relay.crt")));
    }

    /** A fresh key (kept until {@link #save}) and its CSR, base64 DER. */
    record Request(KeyPair keys, String csr) {
    }

    static Request request() throws IOException {
        KeyPair keys = Pem.newKeyPair();
        try {
            byte[] der = new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=sluice-relay"), keys.getPublic())
                    .build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())).getEncoded();
            return new Request(keys, Base64.getEncoder().encodeToString(der));
        } catch (OperatorCreationException e) {
            throw new IOException("cannot make a certificate signing request", e);
        }
    }

    /** Keeps the key and the certificate the gateway signed for it (checked: same key, chains to the CA). */
    void save(Request request, RelayWire.Certificate answer, X509Certificate expectedCa) throws IOException {
        X509Certificate certificate = Pem.certificate(answer.certificate());
        X509Certificate ca = Pem.certificate(answer.ca());
        if (!Pem.fingerprint(ca).equals(Pem.fingerprint(expectedCa))) {
            throw new IOException("the gateway answered with another CA than the one it presented");
        }
        if (!certificate.getPublicKey().equals(request.keys().getPublic())) {
            throw new IOException("the gateway's certificate is not for this relay's key");
        }
        try {
            certificate.verify(ca.getPublicKey());
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException("the gateway's certificate does not chain to its CA", e);
        }
        Files.createDirectories(dir);
        Pem.save(dir.resolve("relay.key"), Pem.write(new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(
                request.keys().getPrivate(), null)), true);
        Pem.save(dir.resolve("relay.crt"), Pem.write(certificate), false);
        Pem.save(dir.resolve("ca.crt"), Pem.write(ca), false);
    }

    X509Certificate ca() throws IOException {
        return Pem.certificate(Files.readString(dir.resolve("ca.crt")));
    }

    /** mTLS with the relay's certificate, trusting only the gateway's relay CA. */
    ChannelCredentials credentials() throws IOException {
        try {
            char[] password = new char[0];
            PrivateKey key = Pem.privateKey(Files.readString(dir.resolve("relay.key")));
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, password);
            keys.setKeyEntry("relay", key, password, new Certificate[] {certificate(), ca()});
            KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keyManagers.init(keys, password);
            return TlsChannelCredentials.newBuilder().keyManager(keyManagers.getKeyManagers())
                    .trustManager(trust(ca())).build();
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException("cannot use the relay's key and certificate in " + dir, e);
        }
    }

    static TrustManager[] trust(X509Certificate ca) throws java.security.GeneralSecurityException, IOException {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, new char[0]);
        trust.setCertificateEntry("gateway-ca", ca);
        TrustManagerFactory result = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        result.init(trust);
        return result.getTrustManagers();
    }

    /** Whether a third or less of the certificate's lifetime is left: time to renew. */
    boolean renewalDue(Instant now) throws IOException {
        X509Certificate certificate = certificate();
        Instant from = certificate.getNotBefore().toInstant();
        Instant until = certificate.getNotAfter().toInstant();
        Duration left = Duration.between(now, until);
        return left.compareTo(Duration.between(from, until).dividedBy(3)) <= 0;
    }

    /**
     * Trusts the gateway at enrollment by the CA fingerprint in the join token (the relay has no CA yet): the chain
     * must hold a certificate with that fingerprint, and the server's certificate must be signed by it and valid.
     */
    static final class Pinned extends javax.net.ssl.X509ExtendedTrustManager {
        private final String pin;
        private X509Certificate seen;

        Pinned(String pin) {
            this.pin = pin;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType)
                throws java.security.cert.CertificateException {
            for (X509Certificate candidate : chain) {
                if (Pem.fingerprint(candidate).equals(pin)) {
                    try {
                        chain[0].verify(candidate.getPublicKey());
                        chain[0].checkValidity();
                    } catch (java.security.GeneralSecurityException e) {
                        throw new java.security.cert.CertificateException("the gateway's certificate is not "
                                + "signed by the CA the join token names", e);
                    }
                    seen = candidate;
                    return;
                }
            }
            throw new java.security.cert.CertificateException("the gateway's CA is not the one the join token names");
        }

        X509Certificate ca() throws IOException {
            if (seen == null) {
                throw new IOException("the gateway's CA was not seen");
            }
            return seen;
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType)
                throws java.security.cert.CertificateException {
            throw new java.security.cert.CertificateException("not a server");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, java.net.Socket socket)
                throws java.security.cert.CertificateException {
            checkServerTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, javax.net.ssl.SSLEngine engine)
                throws java.security.cert.CertificateException {
            checkServerTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, java.net.Socket socket)
                throws java.security.cert.CertificateException {
            checkClientTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, javax.net.ssl.SSLEngine engine)
                throws java.security.cert.CertificateException {
            checkClientTrusted(chain, authType);
        }
    }
}
