package dev.sluice.ssh;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The SSH login name a caller gives Sluice: {@code CONNECTION} (log in to the target as the connection's
 * {@code user}) or {@code LOGIN+CONNECTION} (as {@code LOGIN}, where the connection's {@code users} allow it).
 *
 * @param connection the Sluice connection's name
 * @param login      the target login asked for; empty for the connection's own {@code user}
 */
record CallerLogin(String connection, Optional<String> login) {
    private static final Pattern CONNECTION = Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");
    private static final Pattern LOGIN = Pattern.compile("[a-z_][a-z0-9_.-]{0,31}");

    /** Parses a login name; empty when it is neither form (the caller is refused like for an unknown connection). */
    static Optional<CallerLogin> parse(String username) {
        int plus = username.lastIndexOf('+');
        String connection = plus < 0 ? username : username.substring(plus + 1);
        Optional<String> login = plus < 0 ? Optional.empty() : Optional.of(username.substring(0, plus));
        if (!CONNECTION.matcher(connection).matches() || login.filter(l -> !LOGIN.matcher(l).matches()).isPresent()) {
            return Optional.empty();
        }
        return Optional.of(new CallerLogin(connection, login));
    }
}
