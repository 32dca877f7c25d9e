package dev.sluice.store;

import java.security.PublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What a chain walk checks beyond the chain itself.
 *
 * @param publicKey  the key every checkpoint must be signed with; when empty, checkpoints still anchor the trail
 *                   and reveal a deleted tail, but their signatures are not checked (and so prove nothing against
 *                   someone who can write the store)
 * @param knownHead  a head known from outside the store (the one this process committed last)
 * @param now        the verifier's time
 * @param grace      with a key: rows that no checkpoint covers must be younger than this; older uncovered rows
 *                   mean deleted checkpoints (or a writer that crashed and was never restarted)
 */
public record VerifyOptions(Optional<PublicKey> publicKey, Optional<ChainHead> knownHead, Instant now,
                            Duration grace) {
    /** Default {@link #grace}: far above the longest sensible checkpoint interval. */
    public static final Duration DEFAULT_GRACE = Duration.ofMinutes(10);

    public VerifyOptions {
        Objects.requireNonNull(publicKey, "publicKey");
        Objects.requireNonNull(knownHead, "knownHead");
        Objects.requireNonNull(now, "now");
        Objects.requireNonNull(grace, "grace");
    }

    /** Chain and unsigned checkpoint structure only. */
    public static VerifyOptions chainOnly(Instant now) {
        return new VerifyOptions(Optional.empty(), Optional.empty(), now, DEFAULT_GRACE);
    }

    /** Everything, against {@code key}. */
    public static VerifyOptions signedBy(PublicKey key, Instant now) {
        return new VerifyOptions(Optional.of(key), Optional.empty(), now, DEFAULT_GRACE);
    }

    public VerifyOptions withKnownHead(ChainHead head) {
        return new VerifyOptions(publicKey, Optional.of(head), now, grace);
    }

    public VerifyOptions withGrace(Duration value) {
        return new VerifyOptions(publicKey, knownHead, now, value);
    }
}
