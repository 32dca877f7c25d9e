package dev.sluice.export;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import java.util.Optional;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** TLS client contexts for sinks: trusting the certificates of a PEM file, or the JDK's default trust store. */
final class TrustContexts {
    private TrustContexts() {
    }

    static SSLContext client(Optional<Path> caFile) {
        try {
            if (caFile.isEmpty()) {
                return SSLContext.getDefault();
            }
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            Collection<? extends Certificate> certificates;
            try (InputStream in = Files.newInputStream(caFile.get())) {
                certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
            }
            if (certificates.isEmpty()) {
                throw new ExportException("no certificate in " + caFile.get());
            }
            int i = 0;
            for (Certificate certificate : certificates) {
                trust.setCertificateEntry("ca-" + i++, certificate);
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(trust);
            SSLContext result = SSLContext.getInstance("TLS");
            result.init(null, factory.getTrustManagers(), null);
            return result;
        } catch (IOException | GeneralSecurityException e) {
            throw new ExportException("cannot load the CA file " + caFile.map(Path::toString).orElse("")
                    + ": " + e.getMessage(), e);
        }
    }
}
