package dev.sluice.core.masking;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The keyed token behind {@link Strategy.Hash}: {@code "h:"} followed by the first 8 bytes (16 hex digits) of
 * HMAC-SHA256(key, UTF-8 value). 64 bits keep the token short while collisions stay negligible for joining
 * and counting within a result set; without the key the token cannot be reversed by a dictionary of likely
 * values (card numbers, phone numbers), which a plain hash could.
 *
 * <p>Thread-safe: each thread works on its own clone of an initialised {@link Mac}, made on its first call and
 * reused (a {@code doFinal} leaves a Mac ready for the next value), so a result stream pays no clone per value.
 */
final class HashStrategy {
    static final int MIN_KEY_BYTES = 16;
    private static final String ALGORITHM = "HmacSHA256";
    private static final HexFormat HEX = HexFormat.of();

    private final Mac prototype;
    private final ThreadLocal<Mac> perThread = ThreadLocal.withInitial(this::freshMac);

    HashStrategy(byte[] key) {
        if (key.length < MIN_KEY_BYTES) {
            throw new MaskingConfigException("hash masking needs a key of at least " + MIN_KEY_BYTES
                    + " bytes (got " + key.length + ")");
        }
        byte[] copy = Arrays.copyOf(key, key.length);
        try {
            prototype = Mac.getInstance(ALGORITHM);
            prototype.init(new SecretKeySpec(copy, ALGORITHM));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is required by the Java platform", e);
        } finally {
            Arrays.fill(copy, (byte) 0);
        }
    }

    String token(String value) {
        Mac mac = perThread.get();
        byte[] digest;
        try {
            digest = mac.doFinal(value.getBytes(StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            perThread.remove(); // never reuse a Mac left in an unknown state
            throw e;
        }
        return "h:" + HEX.formatHex(digest, 0, 8);
    }

    private Mac freshMac() {
        try {
            return (Mac) prototype.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("HmacSHA256 provider does not support clone()", e);
        }
    }
}
