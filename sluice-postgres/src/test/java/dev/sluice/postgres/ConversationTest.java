package dev.sluice.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.sluice.postgres.Conversation.Lineage;
import dev.sluice.postgres.PostgresNamespace.Change;
import dev.sluice.postgres.PostgresNamespace.Definition;
import dev.sluice.postgres.wire.BackendMessage;
import dev.sluice.postgres.wire.BackendMessage.RowDescription.Field;
import dev.sluice.postgres.wire.Frame;
import dev.sluice.postgres.wire.MalformedMessageException;

class ConversationTest {
    private static final List<Field> A = List.of(new Field("email", 16384, (short) 2, 25, (short) -1, -1, (short) 0));
    private static final List<Field> B = List.of(new Field("id", 16384, (short) 1, 23, (short) 4, -1, (short) 0),
            new Field("name", 16384, (short) 3, 25, (short) -1, -1, (short) 0));

    private final PostgresNamespace names = new PostgresNamespace();
    private final Conversation conversation = new Conversation(names);
    private final List<String> outcomes = new ArrayList<>();
    private final Conversation.Outcomes audit = new Conversation.Outcomes() {
        @Override
        public void queryEnded(Entry.Query query, boolean skipped) {
            outcomes.add("query " + query.statementId + (skipped ? " skipped" : " " + query.tag + query.sqlState));
        }

        @Override
        public void executed(Entry.Execute execute, String tag) {
            outcomes.add("execute " + execute.statementId() + " " + tag);
        }

        @Override
        public void suspended(Entry.Execute execute) {
            outcomes.add("suspended " + execute.statementId());
        }

        @Override
        public void failed(Entry.Execute execute, String sqlState, String error, boolean skipped) {
            outcomes.add("failed " + execute.statementId() + (skipped ? " skipped" : " " + sqlState));
        }
    };

    @Test
    void portalDescribedInTheBatchDescribesItsRows() {
        parse("S_1");
        bind("", "S_1", (short) 1);
        describe('P', "");
        execute("");
        sync();
        answer(new BackendMessage.ParseComplete(), new BackendMessage.BindComplete(),
                new BackendMessage.RowDescription(A));
        assertThat(conversation.rows()).hasValueSatisfying(d -> assertThat(d.fields()).isEqualTo(A));
        answer(new BackendMessage.CommandComplete("SELECT 0"), ready());
        assertThat(conversation.head()).isEmpty();
    }

    @Test
    void reExecutedStatementsKeepTheirOwnDescriptionWhenInterleaved() {
        // first executions: Parse + Describe statement, so that later Binds know the columns
        for (String name : List.of("S_1", "S_2")) {
            parse(name);
            describe('S', name);
            sync();
            answer(new BackendMessage.ParseComplete(), new BackendMessage.ParameterDescription(new int[0]),
                    new BackendMessage.RowDescription(name.equals("S_1") ? A : B), ready());
        }
        for (String name : List.of("S_1", "S_2", "S_1")) {
            bind("", name, (short) 1);
            execute("");
            sync();
            answer(new BackendMessage.BindComplete());
            assertThat(conversation.rows()).hasValueSatisfying(d -> {
                assertThat(d.fields()).isEqualTo(name.equals("S_1") ? A : B);
                assertThat(d.formats()).containsExactly((short) 1);
            });
            answer(new BackendMessage.CommandComplete("SELECT 1"), ready());
        }
    }

    @Test
    void describingAPortalAlsoDescribesItsStatementForLaterBinds() {
        parse("S_1");
        bind("", "S_1", (short) 0);
        describe('P', "");
        execute("");
        sync();
        answer(new BackendMessage.ParseComplete(), new BackendMessage.BindComplete(),
                new BackendMessage.RowDescription(A), new BackendMessage.CommandComplete("SELECT 0"), ready());
        bind("", "S_1", (short) 1);
        execute("");
        sync();
        answer(new BackendMessage.BindComplete());
        assertThat(conversation.rows()).hasValueSatisfying(d -> {
            assertThat(d.fields()).isEqualTo(A);
            assertThat(d.formats()).containsExactly((short) 1);
        });
    }

    @Test
    void rowsOfAnUndescribedStatementAreUnknown() {
        parse("S_9");
        bind("", "S_9", (short) 0);
        execute("");
        sync();
        answer(new BackendMessage.ParseComplete(), new BackendMessage.BindComplete());
        assertThat(conversation.rows()).isEmpty();
    }

    @Test
    void anErrorSkipsToSyncAsTheServerDoes() {
        parse("S_1");
        describe('S', "S_1");
        sync();
        answer(error("42601"), ready());
        assertThat(names.statements("S_1")).isEmpty();
        query(7, "select 1");
        answer(new BackendMessage.RowDescription(B));
        assertThat(conversation.rows()).hasValueSatisfying(d -> assertThat(d.fields()).isEqualTo(B));
    }

    @Test
    void sluicesOwnRefusalIsAnsweredInPlaceOfTheRefusedMessage() {
        conversation.expect(new Entry.ExtendedRefusal("no", new long[0]));
        assertThat(conversation.skipsToSync()).isTrue();
        sync();
        assertThat(conversation.skipsToSync()).isFalse();
        answer(new BackendMessage.ParseComplete(), new BackendMessage.BindComplete(), error("42501"), ready());
        query(7, "select 1");
        answer(new BackendMessage.RowDescription(B));
        assertThat(conversation.simpleSql()).contains("select 1");
    }

    @Test
    void anExecuteFailingSkipsEverythingUpToSyncAQueryIncludedAndCountsItsReadyForQueryAsSeen() {
        bind("", "S_1", (short) 0);
        execute("", 1);
        long close = names.register(new Change.Remove(PostgresNamespace.Space.STATEMENT, "S_1"));
        conversation.expect(new Entry.Close(close, (byte) 'S', "S_1"));
        execute("", 2);
        query(3, "select 1"); // the server ignores a Query while it skips to Sync
        sync();
        answer(new BackendMessage.BindComplete(), error("22012"));
        assertThat(outcomes).containsExactly("failed 1 22012", "failed 2 skipped", "query 3 skipped");
        assertThat(conversation.readiesSeen()).isEqualTo(1);
        answer(ready());
        assertThat(conversation.readiesSeen()).isEqualTo(conversation.readiesExpected()).isEqualTo(2);
        assertThat(conversation.head()).isEmpty();
    }

    @Test
    void aFailedParseFailsTheExecutionItPreparedWithItsErrorAndLeavesNoName() {
        parse("S_1");
        bind("", "S_1", (short) 0);
        describe('P', "");
        execute("", 1);
        sync();
        answer(error("42601"));
        assertThat(outcomes).containsExactly("failed 1 42601");
        assertThat(names.statements("S_1")).isEmpty();
        answer(ready());
        assertThat(conversation.head()).isEmpty();
    }

    @Test
    void whatTheServerAnsweredBehindAWithheldResultStillChangesTheNames() {
        // masking withholds the first result; the Parse behind it still ran on the server
        bind("", "S_0", (short) 0);
        execute("", 1);
        parse("S_1");
        sync();
        answer(new BackendMessage.BindComplete(), new BackendMessage.DataRow(new byte[][] {{'x'}}),
                new BackendMessage.CommandComplete("SELECT 1"), new BackendMessage.ParseComplete(), ready());
        assertThat(outcomes).containsExactly("execute 1 SELECT 1");
        assertThat(names.statements("S_1")).singleElement()
                .satisfies(d -> assertThat(d.text()).isEqualTo("select"));
    }

    @Test
    void copyInDropsTheSyncsBehindItAndRefusesAnyOtherMessage() {
        query(1, "copy t from stdin");
        sync();
        answer(new BackendMessage.CopyInResponse((byte) 0, new short[0]));
        assertThat(conversation.copyingIn()).isTrue();
        assertThat(conversation.readiesSeen()).isEqualTo(1);
        assertThat(conversation.expect(new Entry.Sync())).isFalse();
        assertThatThrownBy(() -> describe('S', "S_1")).isInstanceOf(MalformedMessageException.class);
        conversation.copyEnded();
        answer(new BackendMessage.CommandComplete("COPY 1"), ready());
        assertThat(outcomes).containsExactly("query 1 COPY 1");
    }

    @Test
    void aMessageSentBehindACopyInEndsTheSession() {
        query(1, "copy t from stdin");
        describe('S', "S_1");
        assertThatThrownBy(() -> answer(new BackendMessage.CopyInResponse((byte) 0, new short[0])))
                .isInstanceOf(Conversation.CopyDesync.class);
    }

    private void parse(String name) {
        long change = names.register(new Change.DefineStatement(name,
                new Definition("select", List.of(), List.of(), new int[0])));
        conversation.expect(new Entry.Parse(change, name, Lineage.NONE));
    }

    private void bind(String portal, String statement, short format) {
        long change = names.register(new Change.Remove(PostgresNamespace.Space.PORTAL, portal));
        conversation.expect(new Entry.Bind(change, portal, statement, new short[] {format}));
    }

    private void describe(char target, String name) {
        conversation.expect(new Entry.Describe((byte) target, name));
    }

    private void execute(String portal) {
        execute(portal, 1);
    }

    private void execute(String portal, long statementId) {
        conversation.expect(new Entry.Execute(statementId, Instant.EPOCH, new long[0], portal));
    }

    private void query(long statementId, String sql) {
        conversation.expect(new Entry.Query(statementId, sql, Lineage.NONE, Instant.EPOCH, new long[0], List.of(),
                ""));
    }

    private void sync() {
        conversation.expect(new Entry.Sync());
    }

    private void answer(BackendMessage... messages) {
        for (BackendMessage message : messages) {
            Frame frame = message.toFrame();
            conversation.answer(frame, frame.type() == 'E'
                    ? Optional.of((BackendMessage.ErrorResponse) message) : Optional.empty(), audit);
        }
    }

    private static BackendMessage error(String sqlState) {
        return BackendMessage.ErrorResponse.of("ERROR", sqlState, "failed");
    }

    private static BackendMessage ready() {
        return new BackendMessage.ReadyForQuery((byte) 'I');
    }
}
