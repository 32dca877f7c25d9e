package dev.sluice.core.session;

/**
 * How a protocol ends its session from outside: called by core when the access grant or the token expires, when the
 * gateway drains, or when an operator ends the session ({@code DELETE /api/sessions/live/{id}}). The protocol tells
 * the client in its own words ({@code reason}, e.g. PostgreSQL FATAL 57P01) and closes; it then calls
 * {@link GatewaySession#end} with the reason. Called from another thread than the session's; must not block long.
 */
@FunctionalInterface
public interface SessionTerminator {
    void terminate(String reason);
}
