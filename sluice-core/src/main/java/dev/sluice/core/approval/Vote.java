package dev.sluice.core.approval;

import java.time.Instant;
import java.util.Objects;

/**
 * One approver's decision on a request.
 *
 * @param approver    the approver's subject
 * @param displayName the approver's display name
 * @param approve     true to approve, false to reject
 * @param reason      the approver's words, possibly empty
 * @param time        when it was cast
 * @param issuer      the issuer of the approver's token (empty for votes stored before it was recorded)
 */
public record Vote(String approver, String displayName, boolean approve, String reason, Instant time,
                   String issuer) {
    public Vote {
        Objects.requireNonNull(approver, "approver");
        Objects.requireNonNull(displayName, "displayName");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(issuer, "issuer");
    }

    /** A vote whose issuer is not known. */
    public Vote(String approver, String displayName, boolean approve, String reason, Instant time) {
        this(approver, displayName, approve, reason, time, "");
    }
}
