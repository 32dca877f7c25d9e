package dev.sluice.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.sluice.postgres.PostgresNamespace.Change;
import dev.sluice.postgres.PostgresNamespace.Definition;
import dev.sluice.postgres.PostgresNamespace.Portal;
import dev.sluice.postgres.PostgresNamespace.Space;
import dev.sluice.postgres.sql.PreparedRef;

class PostgresNamespaceTest {
    private final PostgresNamespace names = new PostgresNamespace();

    private static Definition statement(String text) {
        return new Definition(text, List.of(), List.of(), new int[0]);
    }

    private static Portal portal(String text, boolean holdable) {
        return new Portal(List.of(statement(text)), List.of(), holdable);
    }

    private long confirmed(Change change) {
        long result = names.register(change);
        names.resolve(result, true);
        return result;
    }

    @Test
    void aPendingDefinitionFromAnEarlierBatchIsOneMoreReadingUntilTheServerAnswers() {
        confirmed(new Change.DefineStatement("q1", statement("SELECT 1")));
        names.boundary();
        long close = names.register(new Change.Remove(Space.STATEMENT, "q1"));
        long parse = names.register(new Change.DefineStatement("q1", statement("DELETE")));
        names.boundary();

        assertThat(names.statements("q1")).extracting(Definition::text).containsExactly("SELECT 1", "DELETE");

        names.resolve(close, true);
        names.resolve(parse, true);
        assertThat(names.statements("q1")).extracting(Definition::text).containsExactly("DELETE");
    }

    @Test
    void withinOneBatchTheLastChangeDecidesBecauseTheServerSkipsToSyncAfterAnError() {
        confirmed(new Change.DefineStatement("q1", statement("SELECT 1")));
        names.boundary();
        names.register(new Change.DefineStatement("q1", statement("DELETE")));
        assertThat(names.statements("q1")).extracting(Definition::text).containsExactly("DELETE");
        names.register(new Change.RemoveAll(Space.STATEMENT));
        assertThat(names.statements("q1")).isEmpty();
    }

    @Test
    void aFailedDefinitionKeepsTheOldStatementButAFailedUnnamedParseDropsIt() {
        confirmed(new Change.DefineStatement("q1", statement("SELECT 1")));
        confirmed(new Change.DefineStatement("", statement("SELECT 2")));
        names.resolve(names.register(new Change.DefineStatement("q1", statement("DELETE"))), false);
        names.refused(names.register(new Change.DefineStatement("", statement("SELECT nope"))));

        assertThat(names.statements("q1")).extracting(Definition::text).containsExactly("SELECT 1");
        assertThat(names.statements("")).isEmpty();
    }

    @Test
    void theEndOfATransactionClosesPortalsAndARollbackAlsoItsHoldableCursors() {
        confirmed(new Change.DefinePortal("p", portal("SELECT 1", false)));
        confirmed(new Change.DefinePortal("kept", portal("SELECT 2", true)));
        names.completed("COMMIT");
        assertThat(names.portals("p")).isEmpty();
        assertThat(names.portals("kept")).hasSize(1);

        confirmed(new Change.DefinePortal("lost", portal("SELECT 3", true)));
        names.failed();
        names.ready((byte) 'I');
        assertThat(names.portals("lost")).isEmpty();
        assertThat(names.portals("kept")).hasSize(1);
    }

    @Test
    void aPortalThatRanIsOnlyContinuedWhileSluiceKnowsExactlyWhatItHolds() {
        confirmed(new Change.DefinePortal("p", portal("SELECT 1", false)));
        names.ran("p", 7);
        assertThat(names.ranAs("p")).hasValue(7);

        names.boundary();
        long rebind = names.register(new Change.DefinePortal("p", portal("DELETE", false)));
        assertThat(names.ranAs("p")).isEmpty();
        names.resolve(rebind, false);
        assertThat(names.ranAs("p")).isEmpty();
    }

    @Test
    void rollbackToASavepointClosesOnlyThePortalsDefinedSinceAndIsNoTransactionEnd() {
        confirmed(new Change.DefinePortal("before", portal("SELECT 1", false)));
        confirmed(new Change.Savepoint(PreparedRef.Action.SAVEPOINT, "s"));
        confirmed(new Change.DefinePortal("after", portal("SELECT 2", false)));
        confirmed(new Change.Savepoint(PreparedRef.Action.SAVEPOINT, "t"));
        confirmed(new Change.DefinePortal("released", portal("SELECT 3", false)));
        confirmed(new Change.Savepoint(PreparedRef.Action.RELEASE, "t"));
        confirmed(new Change.Savepoint(PreparedRef.Action.ROLLBACK_TO, "s"));
        names.completed("ROLLBACK");

        assertThat(names.portals("before")).hasSize(1);
        assertThat(names.portals("after")).isEmpty();
        assertThat(names.portals("released")).isEmpty();

        names.completed("ROLLBACK");
        assertThat(names.portals("before")).isEmpty();
    }
}
