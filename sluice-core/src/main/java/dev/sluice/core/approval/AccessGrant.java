package dev.sluice.core.approval;

import java.time.Instant;
import java.util.Objects;

/**
 * What an approval left behind that outlives its request: time-bound access to a connection ({@code shape} empty),
 * or pre-approval of statements of one shape ({@code duration} scope). Valid while {@code granted <= now < until}.
 *
 * @param id         {@code gr-} and 16 hex digits
 * @param approvalId the request that created it
 * @param issuer     the issuer of the principal it was granted to: a grant is for one (issuer, subject)
 * @param subject    the principal subject it was granted to
 * @param connection the connection it applies to
 * @param shape      empty for connection access; else the {@link StatementShape} it pre-approves
 */
public record AccessGrant(String id, String approvalId, String issuer, String subject, String connection, String shape,
                          Instant granted, Instant until) {
    public AccessGrant {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(approvalId, "approvalId");
        Objects.requireNonNull(issuer, "issuer");
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(connection, "connection");
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(granted, "granted");
        Objects.requireNonNull(until, "until");
    }

    public boolean activeAt(Instant now) {
        return !now.isBefore(granted) && now.isBefore(until);
    }
}
