package dev.sluice.store;

import java.time.Instant;
import java.util.Objects;

/**
 * A signed chain head, one row of {@code audit_checkpoint}: proof, under the audit signing key, that the trail
 * held row {@code seq} with exactly {@code hash} at {@code time} (and so every row before it, through the chain).
 *
 * @param seq       the covered row
 * @param hash      that row's chain hash
 * @param time      when the checkpoint was signed
 * @param keyId     {@link AuditSigningKey#keyId} of the signing key (informative: trust comes from the signature)
 * @param signature base64 Ed25519 signature over {@link Checkpoints#canonical}
 */
public record Checkpoint(long seq, String hash, Instant time, String keyId, String signature) {
    public Checkpoint {
        Objects.requireNonNull(hash, "hash");
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(keyId, "keyId");
        Objects.requireNonNull(signature, "signature");
    }
}
