package dev.sluice.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

import dev.sluice.core.identity.Principal;

/**
 * The console's browser sessions and sign-ins under way behave the same in the embedded file and in PostgreSQL, and
 * two stores on one database (two Sluice replicas) see each other's.
 */
@ParameterizedClass
@ValueSource(strings = {"sqlite", "postgres"})
class ConsoleSessionStoreTest {
    private static final Instant NOW = Instant.parse("2026-12-03T10:00:00Z");
    private static final Principal ALICE = new Principal("https://idp", "alice", "Alice", Set.of("sre", "auditors"),
            Principal.Kind.HUMAN, List.of());

    @Parameter
    String store;
    @TempDir
    Path dir;
    private PostgresStoreConfig postgres;

    private ConsoleSessionStore open() {
        if (store.equals("sqlite")) {
            return ConsoleSessionStore.sqlite(dir.resolve("audit.db"));
        }
        if (postgres == null) {
            postgres = SharedPostgres.freshDatabase();
        }
        return ConsoleSessionStore.postgres(postgres);
    }

    private static ConsoleSessionStore.Stored session(String key, Principal who, String method, String idpSession) {
        return new ConsoleSessionStore.Stored(key, who, "csrf-" + key, method, idpSession, NOW,
                NOW.plus(Duration.ofHours(8)), NOW);
    }

    @Test
    void aSessionMadeThroughOneStoreIsReadTouchedAndDeletedThroughAnother() {
        try (ConsoleSessionStore a = open(); ConsoleSessionStore b = open()) {
            assertThat(a.create(session("k1", ALICE, "saml", "idx-1"), 10, NOW)).isTrue();
            ConsoleSessionStore.Stored read = b.find("k1").orElseThrow();
            assertThat(read).isEqualTo(session("k1", ALICE, "saml", "idx-1"));
            b.touch("k1", NOW.plusSeconds(60));
            b.touch("k1", NOW.plusSeconds(30)); // an older use never moves it back
            assertThat(a.find("k1").orElseThrow().lastUsed()).isEqualTo(NOW.plusSeconds(60));
            assertThat(a.delete("k1")).isTrue();
            assertThat(b.find("k1")).isEmpty();
            assertThat(b.delete("k1")).isFalse();
        }
    }

    @Test
    void atMostMaxLiveSessionsAreKeptAndExpiredOnesMakeRoom() {
        try (ConsoleSessionStore s = open()) {
            assertThat(s.create(session("k1", ALICE, "oidc", ""), 2, NOW)).isTrue();
            assertThat(s.create(session("k2", ALICE, "oidc", ""), 2, NOW)).isTrue();
            assertThat(s.create(session("k3", ALICE, "oidc", ""), 2, NOW)).as("full").isFalse();
            assertThat(s.create(session("k3", ALICE, "oidc", ""), 2, NOW.plus(Duration.ofHours(9))))
                    .as("the two expired ones are deleted first").isTrue();
            assertThat(s.size()).isEqualTo(1);
        }
    }

    @Test
    void theIdentityProvidersLogoutEndsOnlyTheSessionsItNames() {
        Principal bob = new Principal("https://idp", "bob", "Bob", Set.of(), Principal.Kind.HUMAN, List.of());
        Principal otherIssuersAlice = new Principal("https://other", "alice", "Alice", Set.of(),
                Principal.Kind.HUMAN, List.of());
        try (ConsoleSessionStore s = open()) {
            s.create(session("a1", ALICE, "oidc", "sid-1"), 10, NOW);
            s.create(session("a2", ALICE, "oidc", "sid-2"), 10, NOW);
            s.create(session("b1", bob, "oidc", "sid-1"), 10, NOW);
            s.create(session("o1", otherIssuersAlice, "oidc", "sid-1"), 10, NOW);
            s.create(session("s1", ALICE, "saml", "sid-1"), 10, NOW);
            assertThat(s.deleteAtIdp("oidc", "https://idp", Optional.empty(), Optional.empty())).as("names nobody")
                    .isEmpty();
            assertThat(s.deleteAtIdp("oidc", "https://idp", Optional.of("alice"), Optional.of("sid-1")))
                    .extracting(ConsoleSessionStore.Stored::key).containsExactly("a1");
            assertThat(s.deleteAtIdp("oidc", "https://idp", Optional.of("alice"), Optional.empty()))
                    .extracting(ConsoleSessionStore.Stored::key).containsExactly("a2");
            assertThat(s.find("b1")).isPresent();
            assertThat(s.find("o1")).as("another issuer's alice").isPresent();
            assertThat(s.find("s1")).as("signed in another way").isPresent();
        }
    }

    @Test
    void aSignInUnderWayIsTakenExactlyOnceWhicheverStoreAsks() {
        try (ConsoleSessionStore a = open(); ConsoleSessionStore b = open()) {
            ConsoleSessionStore.SignIn signIn = new ConsoleSessionStore.SignIn("state-hash", "verifier", "nonce",
                    "/console/", "browser-hash", NOW);
            assertThat(a.addSignIn(signIn, 10, NOW.minusSeconds(600))).isTrue();
            assertThat(b.takeSignIn("state-hash")).contains(signIn);
            assertThat(a.takeSignIn("state-hash")).isEmpty();
            assertThat(b.takeSignIn("state-hash")).isEmpty();

            assertThat(a.addSignIn(new ConsoleSessionStore.SignIn("s2", "v", "", "/console/", "b", NOW), 1,
                    NOW.minusSeconds(600))).isTrue();
            assertThat(a.addSignIn(new ConsoleSessionStore.SignIn("s3", "v", "", "/console/", "b", NOW), 1,
                    NOW.minusSeconds(600))).as("full").isFalse();
            assertThat(a.addSignIn(new ConsoleSessionStore.SignIn("s3", "v", "", "/console/", "b", NOW), 1,
                    NOW.plusSeconds(1))).as("stale ones are deleted first").isTrue();
            assertThat(b.takeSignIn("s2")).isEmpty();
        }
    }
}
