package dev.sluice.relay;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Optional;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;

/**
 * The gateway's relay CA, kept in {@code <data-dir>/relays/} ({@code ca.key} mode 0600, {@code ca.crt}); made on
 * first use. It signs the relays' client certificates (subject {@code CN=<id>, OU=<group>}, SAN URI
 * {@code urn:sluice:relay:<group>:<id>}, clientAuth only) and the gateway's relay-listener certificate (SAN DNS
 * {@value RelayWire#GATEWAY_NAME}, serverAuth only), so neither can stand for the other. EC P-256, SHA-256.
 */
final class RelayCa {
    private static final String URI_PREFIX = "urn:sluice:relay:";
    private static final SecureRandom RANDOM = new SecureRandom();
    private final PrivateKey key;
    private final X509Certificate certificate;

    private RelayCa(PrivateKey key, X509Certificate certificate) {
        this.key = key;
        this.certificate = certificate;
    }

    /** A relay as its certificate names it. */
    record Identity(String relayId, String group) {
    }

    static RelayCa loadOrCreate(Path dir) throws IOException {
        Path keyFile = dir.resolve("ca.key");
        Path certificateFile = dir.resolve("ca.crt");
        if (Files.exists(keyFile) && Files.exists(certificateFile)) {
            return new RelayCa(Pem.privateKey(Files.readString(keyFile)),
                    Pem.certificate(Files.readString(certificateFile)));
        }
        KeyPair pair = Pem.newKeyPair();
        Instant now = Instant.now();
        X500Name name = new X500Name("CN=Sluice relay CA");
        try {
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, serial(),
                    Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(Duration.ofDays(3650))), name,
                    pair.getPublic());
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            builder.addExtension(Extension.subjectKeyIdentifier, false,
                    new JcaX509ExtensionUtils().createSubjectKeyIdentifier(pair.getPublic()));
            X509Certificate result = sign(builder, pair.getPrivate());
            Pem.save(keyFile, Pem.write(new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(pair.getPrivate(), null)), true);
            Pem.save(certificateFile, Pem.write(result), false);
            return new RelayCa(pair.getPrivate(), result);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("cannot make the relay CA", e);
        }
    }

    X509Certificate certificate() {
        return certificate;
    }

    String pin() {
        return Pem.fingerprint(certificate);
    }

    /** Signs a relay's certificate for its CSR's key (the CSR must verify; its subject is ignored). */
    X509Certificate issueRelay(byte[] csrDer, Identity identity, Duration ttl) throws IOException {
        PublicKey publicKey;
        try {
            PKCS10CertificationRequest csr = new PKCS10CertificationRequest(csrDer);
            if (!csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(csr.getSubjectPublicKeyInfo()))) {
                throw new IOException("the certificate signing request's signature does not verify");
            }
            publicKey = new JcaPKCS10CertificationRequest(csr).getPublicKey();
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("unreadable certificate signing request", e);
        }
        X500Name subject = new X500Name("CN=" + identity.relayId() + ",OU=" + identity.group() + ",O=Sluice relay");
        GeneralNames names = new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier,
                URI_PREFIX + identity.group() + ":" + identity.relayId()));
        return leaf(subject, publicKey, names, KeyPurposeId.id_kp_clientAuth, ttl);
    }

    /** The gateway's relay-listener certificate and key, made fresh at each start. */
    record ServerIdentity(PrivateKey key, X509Certificate certificate) {
    }

    ServerIdentity issueServer(Duration ttl) throws IOException {
        KeyPair pair = Pem.newKeyPair();
        GeneralNames names = new GeneralNames(new GeneralName(GeneralName.dNSName, RelayWire.GATEWAY_NAME));
        X509Certificate result = leaf(new X500Name("CN=" + RelayWire.GATEWAY_NAME), pair.getPublic(), names,
                KeyPurposeId.id_kp_serverAuth, ttl);
        return new ServerIdentity(pair.getPrivate(), result);
    }

    private X509Certificate leaf(X500Name subject, PublicKey publicKey, GeneralNames names, KeyPurposeId purpose,
                                 Duration ttl) throws IOException {
        Instant now = Instant.now();
        try {
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(certificate, serial(),
                    Date.from(now.minus(Duration.ofMinutes(1))), Date.from(now.plus(ttl)), subject, publicKey);
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
            builder.addExtension(Extension.subjectAlternativeName, false, names);
            builder.addExtension(Extension.authorityKeyIdentifier, false,
                    new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(certificate));
            return sign(builder, key);
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException("cannot sign a certificate", e);
        }
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signer)
            throws java.security.GeneralSecurityException {
        try {
            return new JcaX509CertificateConverter().getCertificate(builder.build(
                    new JcaContentSignerBuilder("SHA256withECDSA").build(signer)));
        } catch (OperatorCreationException e) {
            throw new java.security.GeneralSecurityException(e);
        }
    }

    private static BigInteger serial() {
        return new BigInteger(127, RANDOM).add(BigInteger.ONE);
    }

    /** The relay a certificate names (its SAN URI); empty for any other certificate. */
    static Optional<Identity> identity(X509Certificate certificate) {
        try {
            var names = certificate.getSubjectAlternativeNames();
            if (names == null) {
                return Optional.empty();
            }
            for (List<?> name : names) {
                if (name.size() == 2 && Integer.valueOf(GeneralName.uniformResourceIdentifier).equals(name.get(0))
                        && name.get(1) instanceof String uri && uri.startsWith(URI_PREFIX)) {
                    String[] parts = uri.substring(URI_PREFIX.length()).split(":", -1);
                    if (parts.length == 2) {
                        return Optional.of(new Identity(parts[1], parts[0]));
                    }
                }
            }
            return Optional.empty();
        } catch (java.security.cert.CertificateParsingException e) {
            return Optional.empty();
        }
    }
}
