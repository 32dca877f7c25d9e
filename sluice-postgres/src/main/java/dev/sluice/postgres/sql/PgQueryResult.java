package dev.sluice.postgres.sql;

/**
 * What one call of {@code pg_query_parse} produced: the parse tree as JSON, or the parser's error.
 */
public sealed interface PgQueryResult {

    /** The statements parsed; {@code json} is libpg_query's JSON parse tree ({@code {"version":..,"stmts":[..]}}). */
    record Tree(String json) implements PgQueryResult {
    }

    /**
     * The input was not parsed. {@code message} is the parser's message (it may quote a fragment of the input, so
     * it is not for logs), {@code cursor} the 1-based character position it points at, 0 when unknown.
     */
    record Failure(String message, int cursor) implements PgQueryResult {
    }

    /**
     * The input was not parsed because it is over a configured bound ({@code limits}); {@code message} says which,
     * with figures only ("statement too complex to judge: 500000 nesting levels (max 1000)"), never input text.
     */
    record Refused(String message) implements PgQueryResult {
    }
}
