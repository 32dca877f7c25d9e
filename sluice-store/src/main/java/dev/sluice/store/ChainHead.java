package dev.sluice.store;

import java.time.Instant;
import java.util.Objects;

/**
 * The newest link of the audit chain: its sequence number and hash, and when this process committed it (from the
 * store's clock). A head signed and kept elsewhere is a checkpoint: it proves that every row up to {@code seq}
 * existed with exactly this content, which is what detects a truncated tail.
 *
 * @param seq         sequence number of the newest row, 0 for an empty trail
 * @param hash        hex SHA-256 of that row, {@link ChainHash#GENESIS} for an empty trail
 * @param committedAt when the row was committed, or when the head was recovered on open
 */
public record ChainHead(long seq, String hash, Instant committedAt) {
    public ChainHead {
        Objects.requireNonNull(hash, "hash");
        Objects.requireNonNull(committedAt, "committedAt");
    }
}
