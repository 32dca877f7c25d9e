package dev.sluice.store;

import java.util.Objects;
import java.util.Optional;

/**
 * How a store writes: durability of the embedded store, signed checkpoints, and a hook on each commit.
 *
 * @param sync          {@link SyncMode} of the embedded store (ignored by PostgreSQL)
 * @param checkpointing signed checkpoints and retention; empty writes none (a trail whose tail deletion goes
 *                      unnoticed after reopening)
 * @param anchor        called with the head after every committed batch
 */
public record StoreOptions(SyncMode sync, Optional<Checkpointing> checkpointing, ChainAnchor anchor) {
    public StoreOptions {
        Objects.requireNonNull(sync, "sync");
        Objects.requireNonNull(checkpointing, "checkpointing");
        Objects.requireNonNull(anchor, "anchor");
    }

    /** {@link SyncMode#NORMAL}, no checkpoints, no anchor. */
    public static StoreOptions defaults() {
        return new StoreOptions(SyncMode.NORMAL, Optional.empty(), ChainAnchor.none());
    }

    public StoreOptions withSync(SyncMode value) {
        return new StoreOptions(value, checkpointing, anchor);
    }

    public StoreOptions withCheckpointing(Checkpointing value) {
        return new StoreOptions(sync, Optional.of(value), anchor);
    }

    public StoreOptions withAnchor(ChainAnchor value) {
        return new StoreOptions(sync, checkpointing, value);
    }
}
