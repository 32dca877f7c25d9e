package dev.sluice.store;

/**
 * How hard the embedded (SQLite) store pushes each commit to disk; config {@code audit.sync}.
 *
 * <p>Both modes use the write-ahead log. {@link #NORMAL}: a commit is in the WAL in the operating system's page
 * cache, so it survives a crash or {@code kill -9} of Sluice, but the newest commits may be lost if the machine
 * itself loses power. {@link #FULL}: every commit also fsyncs the WAL, so it survives power loss too, at the cost of
 * one fsync per group commit. The PostgreSQL store ignores this: its server's {@code synchronous_commit} governs.
 */
public enum SyncMode {
    NORMAL, FULL
}
