package dev.sluice.core.approval;

import java.util.Locale;
import java.util.Optional;

/**
 * Where an approval request stands. {@link #PENDING} is the only state that moves:
 *
 * <pre>
 *   PENDING ──enough approvals──► APPROVED
 *      │ ──one rejection───────► REJECTED
 *      │ ──expiry passed───────► EXPIRED
 *      └ ──requester gone───────► WITHDRAWN   (client disconnected or cancelled)
 * </pre>
 */
public enum ApprovalState {
    PENDING, APPROVED, REJECTED, EXPIRED, WITHDRAWN;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean decided() {
        return this != PENDING;
    }

    /** The state named {@code label} (case-insensitive), empty when there is none. */
    public static Optional<ApprovalState> parse(String label) {
        for (ApprovalState state : values()) {
            if (state.label().equalsIgnoreCase(label)) {
                return Optional.of(state);
            }
        }
        return Optional.empty();
    }
}
