package dev.sluice.console;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

import dev.sluice.core.identity.Principal;

/**
 * The live sessions of the gateway as the console shows them, and the kill switch. The gateway implements it over
 * the core's live-session registry, which audits every ending with who ended it and why.
 */
public interface LiveView {
    /** Sessions open now, newest first. */
    List<LiveSession> list();

    /**
     * Ends session {@code id} on behalf of {@code by} with {@code reason}; false when no such session is open.
     * Authorisation is the caller's: the console lets only auditors end sessions.
     */
    boolean end(String id, Principal by, String reason);

    /** No live-session registry: an empty list, nothing to end. */
    static LiveView none() {
        return new LiveView() {
            @Override
            public List<LiveSession> list() {
                return List.of();
            }

            @Override
            public boolean end(String id, Principal by, String reason) {
                return false;
            }
        };
    }

    /** One open session. */
    record LiveSession(String id, String subject, List<String> groups, String connection, String protocol,
                       String clientAddress, Instant started, long bytesIn, long bytesOut) {
        public LiveSession {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(subject, "subject");
            groups = List.copyOf(groups);
            Objects.requireNonNull(connection, "connection");
            Objects.requireNonNull(protocol, "protocol");
            Objects.requireNonNull(clientAddress, "clientAddress");
            Objects.requireNonNull(started, "started");
        }
    }
}
