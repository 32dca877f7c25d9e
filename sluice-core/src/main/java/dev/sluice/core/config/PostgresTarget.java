package dev.sluice.core.config;

import java.util.Objects;
import java.util.Set;

/**
 * A PostgreSQL database ({@code type: postgres}, the default). Its {@code toString} is safe to log: the password is a
 * {@link Secret}.
 *
 * @param database the database on the target
 * @param user     the user Sluice logs in as
 * @param password the target credential, resolved from {@code ${env:...}} / {@code ${file:...}}; empty for trust
 *                 authentication
 * @param tls      TLS to the target
 */
public record PostgresTarget(String database, String user, dev.sluice.core.Secret password, UpstreamTls tls)
        implements Target {
    public static final String TYPE = "postgres";
    static final Set<String> KEYS = Set.of("database", "user", "password", "tls");

    public PostgresTarget {
        Objects.requireNonNull(database, "database");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(tls, "tls");
    }

    @Override
    public String type() {
        return TYPE;
    }

    static java.util.Optional<Target> bind(ConfigNode item, SecretResolver secrets, ConfigProblems problems) {
        int before = problems.count();
        String database = problems.requiredString(item, "database");
        // via: the relay logs in with its own user and password (ConnectionsBinder refuses them here)
        boolean via = !item.at("via").isMissing();
        String user = via ? "" : problems.requiredString(item, "user");
        dev.sluice.core.Secret password = secrets.resolve(item.at("password"), problems);
        UpstreamTls tls = via ? UpstreamTls.bind(ConfigNode.empty(item.file()), problems)
                : UpstreamTls.bind(item, problems);
        return problems.count() != before ? java.util.Optional.empty()
                : java.util.Optional.of(new PostgresTarget(database, user, password, tls));
    }
}
