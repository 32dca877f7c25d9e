package dev.sluice.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sluice.core.identity.Principal;
import dev.sluice.store.ConsoleSessionStore;

class BrowserSessionsTest {
    @TempDir
    static Path dir;
    private static ConsoleSessionStore store;
    private static ConsoleSessionStore otherReplica;

    @BeforeAll
    static void open() {
        store = ConsoleSessionStore.sqlite(dir.resolve("audit.db"));
        otherReplica = ConsoleSessionStore.sqlite(dir.resolve("audit.db"));
    }

    @AfterAll
    static void close() {
        store.close();
        otherReplica.close();
    }

    private static final Principal ADA = new Principal("https://idp", "ada", "Ada", Set.of("auditors"),
            Principal.Kind.HUMAN, List.of());

    private static final class MovableClock extends Clock {
        Instant now = Instant.parse("2026-12-03T10:00:00Z");

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @Test
    void aSessionEndsAtItsLifetimeOrWhenIdleAndOnlyItsHashIsKept() {
        MovableClock clock = new MovableClock();
        BrowserSessions sessions = new BrowserSessions(store, clock);
        String cookie = sessions.create(ADA, "oidc", Duration.ofHours(8)).orElseThrow();
        assertThat(cookie).hasSize(43);
        assertThat(sessions.find(cookie, Duration.ofHours(1))).get().extracting(s -> s.principal().subject())
                .isEqualTo("ada");
        assertThat(sessions.find(cookie, Duration.ofHours(1)).orElseThrow().key()).isNotEqualTo(cookie)
                .isEqualTo(BrowserSessions.hash(cookie));
        clock.now = clock.now.plus(Duration.ofMinutes(50));
        assertThat(sessions.find(cookie, Duration.ofHours(1))).as("used within the idle timeout").isPresent();
        clock.now = clock.now.plus(Duration.ofMinutes(61));
        assertThat(sessions.find(cookie, Duration.ofHours(1))).as("idle too long").isEmpty();

        String second = sessions.create(ADA, "oidc", Duration.ofHours(8)).orElseThrow();
        for (int i = 0; i < 9; i++) {
            clock.now = clock.now.plus(Duration.ofMinutes(55));
            sessions.find(second, Duration.ofHours(1));
        }
        assertThat(sessions.find(second, Duration.ofHours(1))).as("past the hard lifetime").isEmpty();
    }

    @Test
    void aWrongOrMalformedCookieFindsNothing() {
        BrowserSessions sessions = new BrowserSessions(store, Clock.systemUTC());
        String cookie = sessions.create(ADA, "saml", Duration.ofHours(1)).orElseThrow();
        assertThat(sessions.find(null, Duration.ofHours(1))).isEmpty();
        assertThat(sessions.find("", Duration.ofHours(1))).isEmpty();
        assertThat(sessions.find(cookie.substring(1) + "A", Duration.ofHours(1))).isEmpty();
        assertThat(sessions.find(cookie + "x", Duration.ofHours(1))).isEmpty();
        sessions.end(sessions.find(cookie, Duration.ofHours(1)).orElseThrow());
        assertThat(sessions.find(cookie, Duration.ofHours(1))).as("signed out").isEmpty();
    }

    @Test
    void aSessionMadeThroughOneInstanceIsValidOnAnotherSharingTheStoreAndSignOutEndsItOnBoth() {
        BrowserSessions here = new BrowserSessions(store, Clock.systemUTC());
        BrowserSessions there = new BrowserSessions(otherReplica, Clock.systemUTC());
        String cookie = here.create(ADA, "saml", "idx-1", Duration.ofHours(1)).orElseThrow();
        BrowserSessions.BrowserSession seen = there.find(cookie, Duration.ofHours(1)).orElseThrow();
        assertThat(seen.principal()).isEqualTo(ADA);
        assertThat(seen.idpSession()).isEqualTo("idx-1");
        assertThat(seen.csrf()).isEqualTo(here.find(cookie, Duration.ofHours(1)).orElseThrow().csrf());
        there.end(seen);
        assertThat(here.find(cookie, Duration.ofHours(1))).as("signed out on the other instance").isEmpty();
        assertThat(there.find(cookie, Duration.ofHours(1))).isEmpty();
    }

    @Test
    void theStoreHoldsOnlyTheHashOfTheCookie() throws Exception {
        BrowserSessions sessions = new BrowserSessions(store, Clock.systemUTC());
        String cookie = sessions.create(ADA, "oidc", Duration.ofHours(1)).orElseThrow();
        assertThat(store.find(cookie)).isEmpty();
        assertThat(store.find(BrowserSessions.hash(cookie))).isPresent();
        try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("audit.db"));
             java.sql.ResultSet rows = c.createStatement().executeQuery("SELECT * FROM console_session")) {
            while (rows.next()) {
                for (int i = 1; i <= rows.getMetaData().getColumnCount(); i++) {
                    assertThat(String.valueOf(rows.getObject(i))).doesNotContain(cookie);
                }
            }
        }
    }

    @Test
    void aClosedStoreMeansSignedOutNotAnError() {
        ConsoleSessionStore closing = ConsoleSessionStore.sqlite(dir.resolve("audit.db"));
        BrowserSessions sessions = new BrowserSessions(closing, Clock.systemUTC());
        String cookie = sessions.create(ADA, "oidc", Duration.ofHours(1)).orElseThrow();
        closing.close();
        assertThat(sessions.find(cookie, Duration.ofHours(1))).isEmpty();
        assertThat(sessions.create(ADA, "oidc", Duration.ofHours(1))).isEmpty();
    }

    @Test
    void aSignInBegunOnOneInstanceIsTakenOnceOnAnotherAndNotAfterItsTimeToLive() {
        MovableClock clock = new MovableClock();
        PendingSignIns here = new PendingSignIns(store, clock);
        PendingSignIns there = new PendingSignIns(otherReplica, clock);
        String state = BrowserSessions.random();
        assertThat(here.add(new PendingSignIns.Pending(state, "verifier", "nonce", "/console/", "browser-hash",
                clock.now))).isTrue();
        assertThat(there.take(state)).get().satisfies(p -> {
            assertThat(p.secret()).isEqualTo("verifier");
            assertThat(p.nonce()).isEqualTo("nonce");
            assertThat(p.browser()).isEqualTo("browser-hash");
        });
        assertThat(here.take(state)).as("taken once, whichever instance asks").isEmpty();
        assertThat(there.take(state)).isEmpty();

        String late = BrowserSessions.random();
        here.add(new PendingSignIns.Pending(late, "v", "n", "/console/", "b", clock.now));
        clock.now = clock.now.plus(PendingSignIns.TTL);
        assertThat(there.take(late)).as("too old").isEmpty();
        String kept = BrowserSessions.random();
        here.add(new PendingSignIns.Pending(kept, "v", "n", "/console/", "b", clock.now));
        assertThat(store.takeSignIn(kept)).as("kept under its hash, not the state itself").isEmpty();
        assertThat(store.takeSignIn(BrowserSessions.hash(kept))).isPresent();
    }
}
