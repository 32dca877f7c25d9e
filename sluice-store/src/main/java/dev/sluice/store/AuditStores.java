package dev.sluice.store;

import java.security.PublicKey;
import java.time.Clock;

import dev.sluice.core.approval.ApprovalStore;
import dev.sluice.core.config.SluiceConfig;

/**
 * Opens the audit store a configuration names ({@code audit.store}), for Sluice itself or for the CLI: its writer,
 * its reader, and the approval store kept in the same database.
 */
public final class AuditStores {

    private AuditStores() {
    }

    /**
     * Opens the store for writing, with signed checkpoints: loads the signing key, or creates it (mode 600) on
     * first start.
     *
     * @throws dev.sluice.core.config.ConfigException when the {@code audit} section does not validate
     * @throws dev.sluice.core.audit.AuditWriteException when the store cannot be opened
     * @throws AuditStoreException when the signing key cannot be read or created
     */
    public static AuditStore open(SluiceConfig config, Clock clock) {
        AuditSettings settings = AuditSettings.of(config);
        PrivateFiles.secure(config.dataDir()); // data dir 700, its files 600: tightened at every start
        return open(settings, clock);
    }

    public static AuditStore open(AuditSettings settings, Clock clock) {
        AuditSigningKey key = AuditSigningKey.loadOrCreate(settings.signingKey());
        StoreOptions options = StoreOptions.defaults().withSync(settings.sync())
                .withCheckpointing(settings.checkpointing(key));
        if (settings.postgres().isPresent()) {
            return PostgresAuditLog.open(settings.postgres().get(), clock, options);
        }
        return SqliteAuditLog.open(settings.file(), clock, options);
    }

    /**
     * Read-only access to the configured store (no writer, no signing key needed): the embedded file, created and
     * migrated when missing, or the PostgreSQL store. For the query API, recordings, exports and the CLI.
     *
     * @throws dev.sluice.core.config.ConfigException when the {@code audit} section does not validate
     * @throws AuditStoreException or {@link dev.sluice.core.audit.AuditWriteException} when it cannot be opened
     */
    public static AuditStoreReader reader(SluiceConfig config) {
        return reader(AuditSettings.of(config));
    }

    /** Read-only access to the store {@code settings} name; see {@link #reader(SluiceConfig)}. */
    public static AuditStoreReader reader(AuditSettings settings) {
        return settings.postgres().map(PostgresAuditLog::reader).orElseGet(() -> SqliteAuditLog.reader(settings.file()));
    }

    /**
     * The approval store that lives beside the configured audit trail: the tables of the PostgreSQL store, shared by
     * every replica pointing at it, or those of the embedded file.
     *
     * @throws dev.sluice.core.approval.ApprovalException UNAVAILABLE when it cannot be opened
     */
    public static ApprovalStore approvals(AuditSettings settings) {
        return settings.postgres().map(ApprovalStorePostgres::open)
                .orElseGet(() -> ApprovalStoreSqlite.open(settings.file()));
    }

    /**
     * The console's browser sessions beside the configured audit trail: shared by every replica on the PostgreSQL
     * store, or by every instance on the embedded file.
     *
     * @throws dev.sluice.core.approval.ApprovalException UNAVAILABLE when it cannot be opened
     */
    public static ConsoleSessionStore consoleSessions(AuditSettings settings) {
        return settings.postgres().map(ConsoleSessionStore::postgres)
                .orElseGet(() -> ConsoleSessionStore.sqlite(settings.file()));
    }

    /** The public half of the configured signing key (read from its file, which Sluice creates on first start). */
    public static PublicKey publicKey(AuditSettings settings) {
        if (!java.nio.file.Files.exists(settings.signingKey())) {
            throw new AuditStoreException("no audit signing key at " + settings.signingKey()
                    + " (Sluice creates it when it first starts; audit.signing-key sets another path)");
        }
        return AuditSigningKey.readPublicKey(settings.signingKey());
    }
}
