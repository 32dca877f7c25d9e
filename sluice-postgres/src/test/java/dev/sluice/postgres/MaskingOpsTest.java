package dev.sluice.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.sluice.postgres.wire.BackendMessage.RowDescription.Field;
import dev.sluice.postgres.wire.FrontendMessage;

class MaskingOpsTest {
    private static final List<Field> A = List.of(new Field("email", 16384, (short) 2, 25, (short) -1, -1, (short) 0));
    private static final List<Field> B = List.of(new Field("id", 16384, (short) 1, 23, (short) 4, -1, (short) 0),
            new Field("name", 16384, (short) 3, 25, (short) -1, -1, (short) 0));

    private final MaskingOps ops = new MaskingOps();

    @Test
    void portalDescribedInTheBatchDescribesItsRows() {
        ops.sent(new FrontendMessage.Parse("S_1", "select", new int[0]));
        ops.sent(bind("", "S_1", (short) 1));
        ops.sent(new FrontendMessage.Describe((byte) 'P', ""));
        ops.sent(new FrontendMessage.Execute("", 0));
        ops.sent(new FrontendMessage.Sync());
        ops.answered((byte) '1');
        ops.answered((byte) '2');
        ops.rowDescription(A);
        assertThat(ops.rows()).hasValueSatisfying(d -> assertThat(d.fields()).isEqualTo(A));
        ops.answered((byte) 'C');
        ops.answered((byte) 'Z');
    }

    @Test
    void reExecutedStatementsKeepTheirOwnDescriptionWhenInterleaved() {
        // first executions: Parse + Describe statement, so that later Binds know the columns
        for (String name : List.of("S_1", "S_2")) {
            ops.sent(new FrontendMessage.Parse(name, "select", new int[0]));
            ops.sent(new FrontendMessage.Describe((byte) 'S', name));
            ops.sent(new FrontendMessage.Sync());
            ops.answered((byte) '1');
            ops.answered((byte) 't');
            ops.rowDescription(name.equals("S_1") ? A : B);
            ops.answered((byte) 'Z');
        }
        for (String name : List.of("S_1", "S_2", "S_1")) {
            ops.sent(bind("", name, (short) 1));
            ops.sent(new FrontendMessage.Execute("", 0));
            ops.sent(new FrontendMessage.Sync());
            ops.answered((byte) '2');
            assertThat(ops.rows()).hasValueSatisfying(d -> {
                assertThat(d.fields()).isEqualTo(name.equals("S_1") ? A : B);
                assertThat(d.formats()).containsExactly((short) 1);
            });
            ops.answered((byte) 'C');
            ops.answered((byte) 'Z');
        }
    }

    @Test
    void describingAPortalAlsoDescribesItsStatementForLaterBinds() {
        ops.sent(new FrontendMessage.Parse("S_1", "select", new int[0]));
        ops.sent(bind("", "S_1", (short) 0));
        ops.sent(new FrontendMessage.Describe((byte) 'P', ""));
        ops.sent(new FrontendMessage.Execute("", 0));
        ops.sent(new FrontendMessage.Sync());
        ops.answered((byte) '1');
        ops.answered((byte) '2');
        ops.rowDescription(A);
        ops.answered((byte) 'C');
        ops.answered((byte) 'Z');
        ops.sent(bind("", "S_1", (short) 1));
        ops.sent(new FrontendMessage.Execute("", 0));
        ops.sent(new FrontendMessage.Sync());
        ops.answered((byte) '2');
        assertThat(ops.rows()).hasValueSatisfying(d -> {
            assertThat(d.fields()).isEqualTo(A);
            assertThat(d.formats()).containsExactly((short) 1);
        });
    }

    @Test
    void rowsOfAnUndescribedStatementAreUnknown() {
        ops.sent(new FrontendMessage.Parse("S_9", "select", new int[0]));
        ops.sent(bind("", "S_9", (short) 0));
        ops.sent(new FrontendMessage.Execute("", 0));
        ops.sent(new FrontendMessage.Sync());
        ops.answered((byte) '1');
        ops.answered((byte) '2');
        assertThat(ops.rows()).isEmpty();
    }

    @Test
    void anErrorSkipsToSyncAsTheServerDoes() {
        ops.sent(new FrontendMessage.Parse("S_1", "select", new int[0]));
        ops.sent(new FrontendMessage.Describe((byte) 'S', "S_1"));
        ops.sent(new FrontendMessage.Sync());
        ops.answered((byte) 'E');
        ops.answered((byte) 'Z');
        ops.sent(new FrontendMessage.Query("select 1"));
        ops.rowDescription(B);
        assertThat(ops.rows()).hasValueSatisfying(d -> assertThat(d.fields()).isEqualTo(B));
    }

    @Test
    void aRefusedMessageIsReplacedByWhatSluiceSentInstead() {
        ops.sent(new FrontendMessage.Parse("S_1", "drop table x", new int[0]));
        ops.replaceLast(List.of(new FrontendMessage.Parse("", "DO", new int[0]),
                new FrontendMessage.Bind("", "", new short[0], new byte[0][], new short[0]),
                new FrontendMessage.Execute("", 0)));
        ops.sent(new FrontendMessage.Sync());
        ops.answered((byte) '1');
        ops.answered((byte) '2');
        ops.answered((byte) 'E');
        ops.answered((byte) 'Z');
        ops.sent(new FrontendMessage.Query("select 1"));
        ops.rowDescription(B);
        assertThat(ops.simpleSql()).contains("select 1");
    }

    private static FrontendMessage.Bind bind(String portal, String statement, short format) {
        return new FrontendMessage.Bind(portal, statement, new short[0], new byte[0][], new short[] {format});
    }
}
