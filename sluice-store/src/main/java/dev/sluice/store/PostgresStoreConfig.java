package dev.sluice.store;

import java.util.Objects;

import dev.sluice.core.Secret;

/**
 * Where the shared PostgreSQL audit store is: config {@code audit.url}, {@code audit.user}, {@code audit.password}.
 * {@link #toString()} hides the password.
 *
 * @param url      a {@code jdbc:postgresql:} URL
 * @param user     the login role; it needs CREATE on the schema the first time (migrations), then INSERT/SELECT
 * @param password its password
 */
public record PostgresStoreConfig(String url, String user, Secret password) {
    public PostgresStoreConfig {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
        if (!url.startsWith("jdbc:postgresql:")) {
            throw new IllegalArgumentException("expected a jdbc:postgresql: URL");
        }
    }
}
