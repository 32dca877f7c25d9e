package dev.sluice.core.approval;

import java.time.Instant;
import java.util.Optional;

import dev.sluice.core.identity.Principal;

/** What {@link dev.sluice.core.access.AccessFlow} asks about time-bound access. Thread-safe. */
public interface AccessGrants {

    /** Whether {@code connection} admits only principals holding an active grant ({@code require-grant: true}). */
    boolean required(String connection);

    /**
     * When the latest active access grant of {@code principal} on {@code connection} ends; empty when there is none
     * or it cannot be determined (fail closed).
     */
    Optional<Instant> activeUntil(Principal principal, String connection);

    /** No grants, and no connection requires one. */
    static AccessGrants none() {
        return new AccessGrants() {
            @Override
            public boolean required(String connection) {
                return false;
            }

            @Override
            public Optional<Instant> activeUntil(Principal principal, String connection) {
                return Optional.empty();
            }
        };
    }
}
