package dev.sluice.core.identity;

import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A verified identity, built only from a token whose signature and claims were checked.
 *
 * @param issuer      the {@code iss} of the token
 * @param subject     the {@code sub}: the principal on whose authority the caller acts
 * @param displayName {@code preferred_username}, else {@code client_id}, else the subject
 * @param groups      groups taken from the configured claim (empty when absent)
 * @param kind        {@link Kind#MACHINE} for a token issued to a client itself (client credentials, no end user)
 * @param actors      the RFC 8693 delegation chain from the {@code act} claim, outermost (current) actor first;
 *                    empty when the caller acts for itself
 */
public record Principal(String issuer, String subject, String displayName, Set<String> groups, Kind kind,
                        List<Actor> actors) {

    public Principal {
        Objects.requireNonNull(issuer, "issuer");
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(displayName, "displayName");
        Objects.requireNonNull(kind, "kind");
        groups = Set.copyOf(groups);
        actors = List.copyOf(actors);
    }

    /** Whether someone other than the subject (an agent) presented this identity on the subject's behalf. */
    public boolean delegated() {
        return !actors.isEmpty();
    }

    public enum Kind {
        HUMAN, MACHINE;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** One link of an RFC 8693 {@code act} chain. {@code clientId} is empty when the claim had none. */
    public record Actor(String subject, String clientId) {
        public Actor {
            Objects.requireNonNull(subject, "subject");
            Objects.requireNonNull(clientId, "clientId");
        }
    }
}
