package dev.sluice.store;

import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;

import dev.sluice.core.identity.Principal;

/**
 * The web console's signed-in browsers, kept beside the audit trail (table {@code console_session}, migration V30):
 * in the PostgreSQL store every replica pointing at it shares them, so a browser signed in through one replica is
 * signed in on all and a sign-out through one ends the session everywhere; in the embedded file, every instance on
 * that file shares them. A row is keyed by the SHA-256 of the cookie, never the cookie. Expired rows are deleted as
 * new sessions are made. Every failure is an {@link dev.sluice.core.approval.ApprovalException} ({@code UNAVAILABLE}):
 * callers treat the browser as signed out (fail closed). Thread-safe.
 */
public final class ConsoleSessionStore implements AutoCloseable {
    private static final String COLUMNS = "id, csrf, method, issuer, subject, display_name, groups_json, idp_session, "
            + "created_ms, expires_ms, last_used_ms";

    private final ApprovalCalls calls;

    /**
     * One stored session.
     *
     * @param key        the SHA-256 (hex) of the cookie value
     * @param csrf       the token its state-changing requests carry
     * @param method     {@code oidc} or {@code saml}
     * @param idpSession what the identity provider's single logout needs ({@code ""} when nothing): the SAML
     *                   {@code SessionIndex}
     */
    public record Stored(String key, Principal principal, String csrf, String method, String idpSession,
                         Instant created, Instant expires, Instant lastUsed) {
        public Stored {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(principal, "principal");
            Objects.requireNonNull(csrf, "csrf");
            Objects.requireNonNull(method, "method");
            Objects.requireNonNull(idpSession, "idpSession");
            Objects.requireNonNull(created, "created");
            Objects.requireNonNull(expires, "expires");
            Objects.requireNonNull(lastUsed, "lastUsed");
        }
    }

    /**
     * A sign-in under way.
     *
     * @param key      the SHA-256 (hex) of the OIDC {@code state} or SAML {@code RelayState}
     * @param secret   the PKCE code verifier (OIDC) or the AuthnRequest id (SAML)
     * @param nonce    the OIDC nonce; {@code ""} for SAML
     * @param returnTo the console path to land on
     * @param browser  the SHA-256 of the cookie binding the sign-in to the browser that began it
     */
    public record SignIn(String key, String secret, String nonce, String returnTo, String browser, Instant created) {
        public SignIn {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(secret, "secret");
            Objects.requireNonNull(nonce, "nonce");
            Objects.requireNonNull(returnTo, "returnTo");
            Objects.requireNonNull(browser, "browser");
            Objects.requireNonNull(created, "created");
        }
    }

    /**
     * Stores a sign-in under way unless {@code max} are (those begun before {@code staleBefore} are deleted first).
     *
     * @return whether it was stored
     */
    public boolean addSignIn(SignIn signIn, int max, Instant staleBefore) {
        return calls.call(c -> {
            try (PreparedStatement s = c.prepareStatement("DELETE FROM console_signin WHERE created_ms < ?")) {
                s.setLong(1, staleBefore.toEpochMilli());
                s.executeUpdate();
            }
            try (PreparedStatement s = c.prepareStatement("SELECT count(*) FROM console_signin");
                 ResultSet rows = s.executeQuery()) {
                rows.next();
                if (rows.getLong(1) >= max) {
                    return false;
                }
            }
            try (PreparedStatement s = c.prepareStatement("INSERT INTO console_signin (id, secret, nonce, "
                    + "return_to, browser, created_ms) VALUES (?, ?, ?, ?, ?, ?)")) {
                s.setString(1, signIn.key());
                s.setString(2, signIn.secret());
                s.setString(3, signIn.nonce());
                s.setString(4, signIn.returnTo());
                s.setString(5, signIn.browser());
                s.setLong(6, signIn.created().toEpochMilli());
                return s.executeUpdate() == 1;
            }
        });
    }

    /**
     * Takes the sign-in under {@code key}: it is deleted, and returned only to the one caller whose delete removed
     * it (two replicas answering the same response: one wins).
     */
    public Optional<SignIn> takeSignIn(String key) {
        return calls.call(c -> {
            Optional<SignIn> found = Optional.empty();
            try (PreparedStatement s = c.prepareStatement("SELECT id, secret, nonce, return_to, browser, created_ms "
                    + "FROM console_signin WHERE id = ?")) {
                s.setString(1, key);
                try (ResultSet rows = s.executeQuery()) {
                    if (rows.next()) {
                        found = Optional.of(new SignIn(rows.getString(1), rows.getString(2), rows.getString(3),
                                rows.getString(4), rows.getString(5), Instant.ofEpochMilli(rows.getLong(6))));
                    }
                }
            }
            if (found.isEmpty()) {
                return found;
            }
            try (PreparedStatement s = c.prepareStatement("DELETE FROM console_signin WHERE id = ?")) {
                s.setString(1, key);
                return s.executeUpdate() == 1 ? found : Optional.<SignIn>empty();
            }
        });
    }

    private ConsoleSessionStore(ApprovalCalls calls) {
        this.calls = calls;
    }

    /** The sessions in the SQLite file {@code file} (created and migrated when needed). */
    public static ConsoleSessionStore sqlite(Path file) {
        return new ConsoleSessionStore(ApprovalStoreSqlite.calls(file));
    }

    /** The sessions in the PostgreSQL store {@code config} names (migrated on open). */
    public static ConsoleSessionStore postgres(PostgresStoreConfig config) {
        return new ConsoleSessionStore(ApprovalStorePostgres.calls(config, "sluice-console-sessions"));
    }

    /**
     * Stores {@code session} unless {@code max} sessions are live at {@code now} (expired ones are deleted first).
     *
     * @return whether it was stored
     */
    public boolean create(Stored session, int max, Instant now) {
        return calls.call(c -> {
            try (PreparedStatement s = c.prepareStatement("DELETE FROM console_session WHERE expires_ms <= ?")) {
                s.setLong(1, now.toEpochMilli());
                s.executeUpdate();
            }
            try (PreparedStatement s = c.prepareStatement("SELECT count(*) FROM console_session");
                 ResultSet rows = s.executeQuery()) {
                rows.next();
                if (rows.getLong(1) >= max) {
                    return false;
                }
            }
            try (PreparedStatement s = c.prepareStatement("INSERT INTO console_session (" + COLUMNS
                    + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                Principal p = session.principal();
                s.setString(1, session.key());
                s.setString(2, session.csrf());
                s.setString(3, session.method());
                s.setString(4, p.issuer());
                s.setString(5, p.subject());
                s.setString(6, p.displayName());
                s.setString(7, StoreJson.write(p.groups().stream().sorted().toList()));
                s.setString(8, session.idpSession());
                s.setLong(9, session.created().toEpochMilli());
                s.setLong(10, session.expires().toEpochMilli());
                s.setLong(11, session.lastUsed().toEpochMilli());
                return s.executeUpdate() == 1;
            }
        });
    }

    /** The session stored under {@code key}, expired or not. */
    public Optional<Stored> find(String key) {
        return calls.call(c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS
                    + " FROM console_session WHERE id = ?")) {
                s.setString(1, key);
                try (ResultSet rows = s.executeQuery()) {
                    return rows.next() ? Optional.of(read(rows)) : Optional.<Stored>empty();
                }
            }
        });
    }

    /** Records that the session was used at {@code when}. */
    public void touch(String key, Instant when) {
        calls.call(c -> {
            try (PreparedStatement s = c.prepareStatement("UPDATE console_session SET last_used_ms = ? "
                    + "WHERE id = ? AND last_used_ms < ?")) {
                s.setLong(1, when.toEpochMilli());
                s.setString(2, key);
                s.setLong(3, when.toEpochMilli());
                return s.executeUpdate();
            }
        });
    }

    /**
     * Deletes the sessions the identity provider ended: those signed in with {@code method} from {@code issuer},
     * of {@code subject} and/or in provider session {@code idpSession} (at least one is required). Returns the
     * sessions deleted by this call.
     */
    public List<Stored> deleteAtIdp(String method, String issuer, Optional<String> subject,
                                    Optional<String> idpSession) {
        if (subject.isEmpty() && idpSession.isEmpty()) {
            return List.of();
        }
        return calls.call(c -> {
            String where = " WHERE method = ? AND issuer = ?" + (subject.isPresent() ? " AND subject = ?" : "")
                    + (idpSession.isPresent() ? " AND idp_session = ?" : "");
            List<Stored> found = new java.util.ArrayList<>();
            try (PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM console_session" + where)) {
                int i = 1;
                s.setString(i++, method);
                s.setString(i++, issuer);
                if (subject.isPresent()) {
                    s.setString(i++, subject.get());
                }
                if (idpSession.isPresent()) {
                    s.setString(i, idpSession.get());
                }
                try (ResultSet rows = s.executeQuery()) {
                    while (rows.next()) {
                        found.add(read(rows));
                    }
                }
            }
            List<Stored> result = new java.util.ArrayList<>();
            try (PreparedStatement s = c.prepareStatement("DELETE FROM console_session WHERE id = ?")) {
                for (Stored session : found) {
                    s.setString(1, session.key());
                    if (s.executeUpdate() == 1) {
                        result.add(session);
                    }
                }
            }
            return result;
        });
    }

    /** Deletes the session; whether there was one. */
    public boolean delete(String key) {
        return calls.call(c -> {
            try (PreparedStatement s = c.prepareStatement("DELETE FROM console_session WHERE id = ?")) {
                s.setString(1, key);
                return s.executeUpdate() == 1;
            }
        });
    }

    /** The sessions stored (live or not yet deleted). */
    public int size() {
        return calls.call(c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT count(*) FROM console_session");
                 ResultSet rows = s.executeQuery()) {
                rows.next();
                return rows.getInt(1);
            }
        });
    }

    private static Stored read(ResultSet rows) throws SQLException {
        List<String> groups;
        try {
            groups = StoreJson.readStrings(rows.getString("groups_json"));
        } catch (JsonProcessingException e) {
            throw new SQLException("unreadable groups of a console session", e);
        }
        Principal principal = new Principal(rows.getString("issuer"), rows.getString("subject"),
                rows.getString("display_name"), new LinkedHashSet<>(groups), Principal.Kind.HUMAN, List.of());
        return new Stored(rows.getString("id"), principal, rows.getString("csrf"), rows.getString("method"),
                rows.getString("idp_session"), Instant.ofEpochMilli(rows.getLong("created_ms")),
                Instant.ofEpochMilli(rows.getLong("expires_ms")), Instant.ofEpochMilli(rows.getLong("last_used_ms")));
    }

    @Override
    public void close() {
        calls.close();
    }
}
