package dev.sluice.store;

import java.util.Objects;
import java.util.Optional;

/**
 * The outcome of walking the audit chain.
 *
 * @param ok             every row linked to its predecessor and hashed to its stored hash
 * @param checked        rows found intact before the first break (all rows when {@code ok})
 * @param firstBrokenSeq the lowest sequence number that is missing, edited or out of place; empty when {@code ok}
 * @param message        what was found, in words
 */
public record ChainVerification(boolean ok, long checked, Optional<Long> firstBrokenSeq, String message) {

    public ChainVerification {
        Objects.requireNonNull(firstBrokenSeq, "firstBrokenSeq");
        Objects.requireNonNull(message, "message");
    }

    static ChainVerification intact(long checked) {
        return new ChainVerification(true, checked, Optional.empty(), "chain intact: " + checked + " rows");
    }

    static ChainVerification broken(long checked, long seq, String message) {
        return new ChainVerification(false, checked, Optional.of(seq), message);
    }
}
