package dev.sluice.core.session;

import java.time.Instant;
import java.util.List;

/**
 * One open session as the live-session registry lists it ({@code GET /api/sessions/live}, {@code sluice sessions
 * --live}).
 *
 * @param id             the session id (as in the audit trail)
 * @param subject        the verified identity's subject
 * @param issuer         its issuer
 * @param groups         its groups
 * @param actors         the delegation chain, outermost first; empty when not delegated
 * @param connection     the connection it reaches
 * @param protocol       {@code postgres}, {@code ssh}, ...
 * @param clientAddress  where the client connects from
 * @param started        when the session started
 * @param bytesFromClient bytes the client sent so far
 * @param bytesToClient  bytes sent to the client so far
 * @param commands       commands submitted so far
 */
public record LiveSession(String id, String subject, String issuer, List<String> groups, List<String> actors,
                          String connection, String protocol, String clientAddress, Instant started,
                          long bytesFromClient, long bytesToClient, long commands) {
    public LiveSession {
        groups = List.copyOf(groups);
        actors = List.copyOf(actors);
    }
}
