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

import dev.sluice.core.approval.AccessGrant;
import dev.sluice.core.approval.ApprovalKind;
import dev.sluice.core.approval.ApprovalRequest;
import dev.sluice.core.approval.ApprovalState;
import dev.sluice.core.approval.ApprovalStore;
import dev.sluice.core.approval.HeldPreview;
import dev.sluice.core.approval.Vote;
import dev.sluice.core.identity.Principal;
import dev.sluice.core.policy.Action;

/** Requests and grants behave the same in the embedded file and in PostgreSQL. */
@ParameterizedClass
@ValueSource(strings = {"sqlite", "postgres"})
class ApprovalStoreTest {
    private static final Instant NOW = Instant.parse("2025-06-01T10:00:00Z");
    private static final String ISS = "https://issuer";

    @Parameter
    String store;
    @TempDir
    Path dir;
    private PostgresStoreConfig postgres;

    /** A store on this test's database: two calls share it, as two Sluice instances would. */
    private ApprovalStore open() {
        if (store.equals("sqlite")) {
            return ApprovalStoreSqlite.open(dir.resolve("audit.db"));
        }
        if (postgres == null) {
            postgres = SharedPostgres.freshDatabase();
        }
        return ApprovalStorePostgres.open(postgres);
    }

    private static ApprovalRequest request(String id) {
        Principal alice = new Principal("https://issuer", "alice", "Alice", Set.of("agents"), Principal.Kind.HUMAN,
                List.of(new Principal.Actor("bot", "bot-client")));
        return new ApprovalRequest(id, ApprovalKind.STATEMENT, ApprovalState.PENDING, 0, alice, "orders", "s-1", 4,
                "DELETE FROM t WHERE id = 1", "DELETE", "delete from t where id=?", "rule", "why", Set.of("sre", "dba"),
                2, Action.Scope.SESSION, Duration.ZERO, "INC-1", NOW, NOW.plusSeconds(300), List.of(), "");
    }

    @Test
    void aRequestRoundTripsWithItsRequesterAndVotes() {
        try (ApprovalStore store = open()) {
            ApprovalRequest created = request("ap-1");
            store.create(created);
            assertThat(store.find("ap-1")).contains(created);
            Principal bob = new Principal("i", "bob", "Bob", Set.of("sre"), Principal.Kind.HUMAN, List.of());
            ApprovalRequest voted = created.vote(bob, new Vote("bob", "Bob", true, "ok", NOW), NOW);
            assertThat(store.update(voted)).isTrue();
            assertThat(store.find("ap-1")).contains(voted);
            assertThat(store.find("ap-2")).isEmpty();
        }
    }

    @Test
    void aHeldRequestsPreviewRoundTripsAndSurvivesAVote() {
        try (ApprovalStore store = open()) {
            ApprovalRequest plain = request("ap-1");
            HeldPreview preview = new HeldPreview("application/json", List.of(new HeldPreview.Field("Idempotency-Key",
                    "k-1")), List.of("Cookie"), "{\"amount\":5,\"iban\":\"********\"}", 33, false, "ab".repeat(32),
                    "");
            ApprovalRequest created = new ApprovalRequest(plain.id(), plain.kind(), plain.state(), plain.version(),
                    plain.requester(), plain.connection(), plain.session(), plain.statementId(), "POST /refunds",
                    "POST", plain.shape(), plain.rule(), plain.reason(), plain.approvers(), plain.approvalsRequired(),
                    plain.scope(), plain.grantFor(), plain.justification(), plain.created(), plain.expires(),
                    plain.votes(), plain.note(), preview);
            store.create(created);
            store.create(request("ap-2"));
            assertThat(store.find("ap-1")).contains(created);
            assertThat(store.find("ap-2").orElseThrow().preview()).isEqualTo(HeldPreview.none());
            Principal bob = new Principal("i", "bob", "Bob", Set.of("sre"), Principal.Kind.HUMAN, List.of());
            ApprovalRequest voted = created.vote(bob, new Vote("bob", "Bob", true, "ok", NOW), NOW);
            assertThat(store.update(voted)).isTrue();
            assertThat(store.find("ap-1").orElseThrow().preview()).isEqualTo(preview);
        }
    }

    @Test
    void aStaleUpdateLosesSoThatTwoDecidersCannotBothWin() {
        try (ApprovalStore store = open()) {
            ApprovalRequest created = request("ap-1");
            store.create(created);
            assertThat(store.update(created.close(ApprovalState.WITHDRAWN, "gone"))).isTrue();
            assertThat(store.update(created.close(ApprovalState.EXPIRED, "late"))).isFalse();
            assertThat(store.find("ap-1").orElseThrow().state()).isEqualTo(ApprovalState.WITHDRAWN);
        }
    }

    @Test
    void twoStoresOnOneDatabaseSeeEachOthersWrites() {
        try (ApprovalStore one = open();
             ApprovalStore two = open()) {
            one.create(request("ap-1"));
            two.create(request("ap-2"));
            assertThat(one.list(Optional.of(ApprovalState.PENDING), 10)).extracting(ApprovalRequest::id)
                    .containsExactlyInAnyOrder("ap-1", "ap-2");
            assertThat(two.list(Optional.of(ApprovalState.APPROVED), 10)).isEmpty();
        }
    }

    @Test
    void onlyGrantsValidNowAreActive() {
        try (ApprovalStore store = open()) {
            store.addGrant(new AccessGrant("gr-1", "ap-1", ISS, "alice", "orders", "", NOW, NOW.plusSeconds(60)));
            store.addGrant(new AccessGrant("gr-2", "ap-2", ISS, "alice", "orders", "delete from t", NOW,
                    NOW.plusSeconds(60)));
            assertThat(store.activeGrants(ISS, "alice", "orders", "", NOW.plusSeconds(30))).extracting(AccessGrant::id)
                    .containsExactly("gr-1");
            assertThat(store.activeGrants(ISS, "alice", "orders", "", NOW.plusSeconds(60))).isEmpty();
            assertThat(store.activeGrants(ISS, "bob", "orders", "", NOW.plusSeconds(30))).isEmpty();
            assertThat(store.activeGrants(ISS, "alice", "orders", "delete from t", NOW)).hasSize(1);
            assertThat(store.activeGrants("https://other-issuer", "alice", "orders", "", NOW.plusSeconds(30)))
                    .as("the same subject of another issuer is another identity").isEmpty();
            assertThat(store.activeGrants(ISS, "Alice", "orders", "", NOW.plusSeconds(30)))
                    .as("subjects are compared exactly where they grant").isEmpty();
        }
    }
}
