package dev.sluice.core.approval;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Where approval requests and grants live, shared by every Sluice instance that points at the same store: a
 * decision taken through one instance is seen by the others on their next read. Implementations are thread-safe and
 * throw {@link ApprovalException} ({@code UNAVAILABLE}) when the store cannot be used; callers fail closed.
 */
public interface ApprovalStore extends AutoCloseable {

    /** Stores a new request (version 0). */
    void create(ApprovalRequest request);

    Optional<ApprovalRequest> find(String id);

    /** Requests in {@code state} (all states when empty), newest first, at most {@code limit}. */
    List<ApprovalRequest> list(Optional<ApprovalState> state, int limit);

    /**
     * Replaces the stored request with {@code next} if the stored version is still {@code next.version() - 1}.
     *
     * @return false when another writer got there first: read again and retry
     */
    boolean update(ApprovalRequest next);

    void addGrant(AccessGrant grant);

    /**
     * Grants for the identity ({@code issuer}, {@code subject}) on {@code connection} with this shape ("" for
     * access) still valid at {@code now}. Both are compared exactly: the same subject of another issuer is another
     * identity.
     */
    List<AccessGrant> activeGrants(String issuer, String subject, String connection, String shape, Instant now);

    @Override
    void close();
}
