package dev.sluice.core.approval;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StatementShapeTest {

    @Test
    void literalsCaseAndSpacingDoNotChangeTheShape() {
        assertThat(StatementShape.of("DELETE FROM orders WHERE id = 1"))
                .isEqualTo(StatementShape.of("delete  from orders\nwhere id=42 -- again"))
                .isEqualTo("delete from orders where id=?");
        assertThat(StatementShape.of("UPDATE t SET note = 'it''s' WHERE k = $$x$$"))
                .isEqualTo("update t set note=? where k=?");
    }

    @Test
    void differentStatementsHaveDifferentShapes() {
        assertThat(StatementShape.of("DELETE FROM orders WHERE id = 1"))
                .isNotEqualTo(StatementShape.of("DELETE FROM orders"))
                .isNotEqualTo(StatementShape.of("DELETE FROM \"Orders\" WHERE id = 1"));
        assertThat(StatementShape.of("SELECT * FROM t1")).isNotEqualTo(StatementShape.of("SELECT * FROM t2"));
    }

    @Test
    void aJustificationCommentIsFound() {
        assertThat(StatementShape.justification("/* justification: INC-42 cleanup */ DELETE FROM t"))
                .contains("INC-42 cleanup");
        assertThat(StatementShape.justification("DELETE FROM t /* just a comment */")).isEmpty();
        assertThat(StatementShape.justification("/* justification: " + "x".repeat(2000) + " */").orElseThrow())
                .hasSize(500);
    }

    @Test
    void anUnterminatedLiteralOrCommentIsBounded() {
        assertThat(StatementShape.of("SELECT 'open")).isEqualTo("select ?");
        assertThat(StatementShape.of("SELECT 1 /* open")).isEqualTo("select ?");
        // a long shape is its head and the digest of the whole (the digest is 64 hex digits)
        assertThat(StatementShape.of("x ".repeat(10_000))).hasSizeLessThanOrEqualTo(StatementShape.MAX_SHAPE + 80);
    }

    @Test
    void statementsThatDifferOnlyAfterTheHeadOfTheirShapeDoNotShareIt() {
        String padding = "a_long_column_name_".repeat(300); // > MAX_SHAPE once shaped
        String approved = "DELETE FROM t WHERE " + padding + " = 1";
        String other = "DELETE FROM t WHERE " + padding + " = 1 OR true";
        assertThat(StatementShape.of(approved)).isNotEqualTo(StatementShape.of(other));
        assertThat(StatementShape.of(approved)).isEqualTo(StatementShape.of(approved.replace("= 1", "= 2")));
    }
}
