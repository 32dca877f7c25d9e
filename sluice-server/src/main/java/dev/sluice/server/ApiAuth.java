package dev.sluice.server;

import java.util.Map;
import java.util.Optional;

import io.javalin.http.Context;

import dev.sluice.core.identity.InvalidTokenException;
import dev.sluice.core.identity.Principal;

/**
 * Bearer-token access to the audit API: the token is verified like a database caller's ({@link Gateway#verifier()}),
 * and the principal must be in one of the {@code api.auditor-groups} of the configuration in force. Answers 401
 * (no or bad token) or 403 (not an auditor) itself, as JSON {@code {"error": "..."}}; never echoes the token.
 */
final class ApiAuth {
    private static final String BEARER = "bearer ";

    private ApiAuth() {
    }

    /** The verified auditor, or empty after the refusal was written to {@code ctx}. */
    static Optional<Principal> auditor(Context ctx, Gateway gateway) {
        String header = ctx.header("Authorization");
        if (header == null || header.length() <= BEARER.length()
                || !header.substring(0, BEARER.length()).equalsIgnoreCase(BEARER)) {
            ctx.header("WWW-Authenticate", "Bearer").status(401)
                    .json(Map.of("error", "a bearer token is required"));
            return Optional.empty();
        }
        Principal principal;
        try {
            principal = gateway.verifier().verify(header.substring(BEARER.length()).strip());
        } catch (InvalidTokenException e) {
            ctx.header("WWW-Authenticate", "Bearer error=\"invalid_token\"").status(401)
                    .json(Map.of("error", "invalid token: " + e.getMessage()));
            return Optional.empty();
        }
        if (!isAuditor(principal, gateway)) {
            ctx.status(403).json(Map.of("error", "only members of the auditor groups may read the audit trail"));
            return Optional.empty();
        }
        return Optional.of(principal);
    }

    /** The one rule for who may read the audit trail (REST API and console): a member of {@code api.auditor-groups}. */
    static boolean isAuditor(Principal principal, Gateway gateway) {
        var auditors = EvidenceConfig.of(gateway.state()).auditorGroups();
        return principal.groups().stream().anyMatch(auditors::contains);
    }
}
