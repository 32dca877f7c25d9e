package dev.sluice.core.access;

import java.io.IOException;

/**
 * What a protocol supplies so that {@link AccessFlow} can run the security flow in the protocol's own words. Called
 * from the session's single virtual thread.
 */
public interface AccessTransport {

    /** Protocol name as audited, e.g. {@code postgres}. */
    String protocol();

    /** Asks the caller for its bearer token and returns it (PostgreSQL: AuthenticationCleartextPassword). */
    String requestToken() throws IOException;

    /** The token was refused (PostgreSQL: ErrorResponse 28P01). {@code message} is safe to show. */
    void refuseToken(String message) throws IOException;

    /** The verified caller may not use the connection (PostgreSQL: ErrorResponse 28000). */
    void refuseAccess(String message) throws IOException;
}
