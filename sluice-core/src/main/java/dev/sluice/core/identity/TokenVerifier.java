package dev.sluice.core.identity;

/**
 * Turns a bearer token into a verified {@link Principal}, or refuses it. Implementations are thread-safe and
 * called from many virtual threads at once.
 */
@FunctionalInterface
public interface TokenVerifier {

    /**
     * @throws InvalidTokenException when the token is not accepted; its message is safe to audit and to show
     *                               to the caller (it never echoes the token)
     */
    Principal verify(String token);

    static TokenVerifier rejectAll() {
        return token -> {
            throw new InvalidTokenException("no identity provider is configured");
        };
    }
}
