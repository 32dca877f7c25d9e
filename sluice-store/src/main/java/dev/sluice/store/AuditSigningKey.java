package dev.sluice.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Ed25519 key that signs audit checkpoints, kept in one PEM file: a {@code PRIVATE KEY} block (PKCS#8) and a
 * {@code PUBLIC KEY} block (X.509). Created on first use with mode 600 ({@link #loadOrCreate}); a key made
 * elsewhere works too once its public block is appended ({@code openssl pkey -in k.pem -pubout >> k.pem}).
 *
 * <p>Thread-safe. {@link #toString()} shows only the key id, never key material.
 */
public final class AuditSigningKey {
    private static final int MAX_FILE_BYTES = 64 * 1024;
    private static final Pattern BLOCK = Pattern.compile("-----BEGIN ([A-Z ]+)-----([A-Za-z0-9+/=\\s]*)-----END \\1-----");
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private final PrivateKey privateKey;
    private final PublicKey publicKey;
    private final String keyId;

    private AuditSigningKey(PrivateKey privateKey, PublicKey publicKey) {
        this.privateKey = privateKey;
        this.publicKey = publicKey;
        this.keyId = keyId(publicKey);
    }

    /** A fresh key, kept in memory only (tests). */
    public static AuditSigningKey generate() {
        try {
            KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            return new AuditSigningKey(pair.getPrivate(), pair.getPublic());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 is required of every Java runtime", e);
        }
    }

    /**
     * Loads the key at {@code file}, or creates it (and its directories) with mode 600 when the file does not
     * exist. Two processes creating it at once end up with the same key: the file appears atomically, once.
     *
     * @throws AuditStoreException if the file cannot be read, written or parsed, or its two halves do not match
     */
    public static AuditSigningKey loadOrCreate(Path file) {
        if (!Files.exists(file)) {
            AuditSigningKey created = generate();
            try {
                PrivateFiles.directory(file.toAbsolutePath().getParent());
                Path temp = Files.createTempFile(file.toAbsolutePath().getParent(), ".audit-key", ".tmp",
                        PosixFilePermissions.asFileAttribute(OWNER_ONLY));
                try {
                    Files.writeString(temp, created.pem(), StandardCharsets.US_ASCII);
                    Files.createLink(file, temp);
                    return created;
                } catch (FileAlreadyExistsException raced) {
                    // another process created it first: use theirs
                } finally {
                    Files.deleteIfExists(temp);
                }
            } catch (IOException e) {
                throw new AuditStoreException("cannot create the audit signing key " + file + ": " + e, e);
            }
        }
        return load(file);
    }

    /** Loads an existing key file. */
    public static AuditSigningKey load(Path file) {
        String text = readSmall(file);
        try {
            byte[] privateBytes = block(text, "PRIVATE KEY").orElseThrow(() -> new AuditStoreException(
                    "audit signing key " + file + " has no PRIVATE KEY block"));
            byte[] publicBytes = block(text, "PUBLIC KEY").orElseThrow(() -> new AuditStoreException(
                    "audit signing key " + file + " has no PUBLIC KEY block (append it: openssl pkey -in "
                            + file + " -pubout >> " + file + ")"));
            KeyFactory factory = KeyFactory.getInstance("Ed25519");
            AuditSigningKey result = new AuditSigningKey(factory.generatePrivate(new PKCS8EncodedKeySpec(privateBytes)),
                    factory.generatePublic(new X509EncodedKeySpec(publicBytes)));
            byte[] probe = "sluice-key-check".getBytes(StandardCharsets.US_ASCII);
            Signature check = Signature.getInstance("Ed25519");
            check.initVerify(result.publicKey);
            check.update(probe);
            if (!check.verify(result.sign(probe))) {
                throw new AuditStoreException("audit signing key " + file + ": the PUBLIC KEY block does not belong "
                        + "to the PRIVATE KEY block");
            }
            return result;
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new AuditStoreException("audit signing key " + file + " is not an Ed25519 key pair ("
                    + e.getClass().getSimpleName() + ")", e);
        }
    }

    /**
     * Reads an Ed25519 public key from a file holding a {@code PUBLIC KEY} PEM block (such as a signing key file,
     * or the output of {@code sluice audit public-key}), or the bare base64 of its X.509 encoding.
     */
    public static PublicKey readPublicKey(Path file) {
        String text = readSmall(file);
        try {
            byte[] encoded = block(text, "PUBLIC KEY").orElseGet(() -> Base64.getMimeDecoder().decode(text.strip()));
            return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(encoded));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new AuditStoreException("no Ed25519 public key in " + file + " (expected a PUBLIC KEY PEM block)", e);
        }
    }

    /** A short fingerprint of a public key: the first 16 hex digits of SHA-256 over its X.509 encoding. */
    public static String keyId(PublicKey key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getEncoded());
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is required of every Java runtime", e);
        }
    }

    /** The public key as a PEM {@code PUBLIC KEY} block (X.509 SubjectPublicKeyInfo). */
    public static String publicKeyPem(PublicKey key) {
        return pemBlock("PUBLIC KEY", key.getEncoded());
    }

    public PublicKey publicKey() {
        return publicKey;
    }

    public String keyId() {
        return keyId;
    }

    byte[] sign(byte[] message) {
        Objects.requireNonNull(message, "message");
        try {
            Signature signer = Signature.getInstance("Ed25519");
            signer.initSign(privateKey);
            signer.update(message);
            return signer.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 signing failed", e);
        }
    }

    private String pem() {
        return pemBlock("PRIVATE KEY", privateKey.getEncoded()) + publicKeyPem(publicKey);
    }

    private static String pemBlock(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static Optional<byte[]> block(String text, String type) {
        Matcher matcher = BLOCK.matcher(text);
        while (matcher.find()) {
            if (matcher.group(1).equals(type)) {
                return Optional.of(Base64.getMimeDecoder().decode(matcher.group(2)));
            }
        }
        return Optional.empty();
    }

    private static String readSmall(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] bytes = in.readNBytes(MAX_FILE_BYTES + 1);
            if (bytes.length > MAX_FILE_BYTES) {
                throw new AuditStoreException("key file " + file + " is larger than " + MAX_FILE_BYTES + " bytes");
            }
            return new String(bytes, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            throw new AuditStoreException("key file " + file + " does not exist", e);
        } catch (IOException e) {
            throw new AuditStoreException("cannot read key file " + file + " (" + e.getClass().getSimpleName() + ")", e);
        }
    }

    @Override
    public String toString() {
        return "AuditSigningKey[" + keyId + "]";
    }
}
