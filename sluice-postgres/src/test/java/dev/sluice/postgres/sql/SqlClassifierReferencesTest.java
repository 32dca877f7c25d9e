package dev.sluice.postgres.sql;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import dev.sluice.postgres.sql.PreparedRef.Action;

class SqlClassifierReferencesTest {
    private final SqlClassifier classifier = SqlClassifier.create(0);

    @Test
    void reportsEveryCursorNameDeclaredFetchedMovedAndClosed() {
        Classification result = classifier.classify("DECLARE c CURSOR FOR SELECT 1; DECLARE \"H\" CURSOR WITH HOLD"
                + " FOR SELECT 2; FETCH ALL FROM c; MOVE NEXT IN \"H\"; FETCH 5 c; CLOSE c; CLOSE ALL; DISCARD ALL;"
                + " DISCARD PLANS");

        assertThat(result.prepared()).containsExactly(
                new PreparedRef(Action.DECLARE, "c", 0),
                new PreparedRef(Action.DECLARE_HOLD, "H", 1),
                new PreparedRef(Action.FETCH, "c", 2),
                new PreparedRef(Action.FETCH, "H", 3),
                new PreparedRef(Action.FETCH, "c", 4),
                new PreparedRef(Action.CLOSE, "c", 5),
                new PreparedRef(Action.CLOSE, "", 6),
                new PreparedRef(Action.DISCARD_ALL, "", 7));
    }

    @Test
    void aScrollCursorWithoutHoldIsNotHoldable() {
        assertThat(classifier.classify("DECLARE s SCROLL CURSOR WITHOUT HOLD FOR SELECT 1").prepared())
                .containsExactly(new PreparedRef(Action.DECLARE, "s", 0));
        assertThat(classifier.classify("DECLARE b BINARY INSENSITIVE NO SCROLL CURSOR WITH HOLD FOR SELECT 1")
                .prepared()).containsExactly(new PreparedRef(Action.DECLARE_HOLD, "b", 0));
    }
}
