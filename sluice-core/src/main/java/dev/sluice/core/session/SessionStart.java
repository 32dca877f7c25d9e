package dev.sluice.core.session;

import java.util.Objects;

import dev.sluice.core.audit.SessionRecorder;

/**
 * What a protocol says about a session as it starts.
 *
 * @param protocol    {@code postgres}, {@code ssh}, {@code kubernetes}, {@code http}
 * @param claimedUser what the client claimed to be (PostgreSQL's {@code user}, SSH's login): recorded, never trusted
 * @param application the client's own name for itself ({@code application_name}, the SSH client version); the
 *                    justification of an approval request that carries none
 * @param recorder    the protocol's recorder for this session, built from {@link Admission#recording()}
 */
public record SessionStart(String protocol, String claimedUser, String application, SessionRecorder recorder) {
    public SessionStart {
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(claimedUser, "claimedUser");
        Objects.requireNonNull(application, "application");
        Objects.requireNonNull(recorder, "recorder");
    }
}
