package dev.sluice.postgres.sql;

import java.util.Objects;


/**
 * A reference to a named prepared statement or portal (cursor) made by one command of a {@link Classification}. The
 * session keeps what the server holds under each name ({@code PostgresNamespace}), resolves {@code EXECUTE} and the
 * first {@code FETCH}/{@code MOVE} against it and fails closed on a name it does not know.
 *
 * @param action       what the command does with the name
 * @param name         the name as the parser resolved it; {@code ""} for {@code DEALLOCATE ALL}, {@code CLOSE ALL}
 *                     and {@code DISCARD ALL}
 * @param commandIndex index of the command in {@link Classification#commands()}
 */
public record PreparedRef(Action action, String name, int commandIndex) {

    /**
     * What a command does with a prepared statement. {@link #EXECUTE} is reported for every {@code EXECUTE} anywhere
     * in a statement, including {@code EXPLAIN [ANALYZE] EXECUTE p} and {@code CREATE TABLE t AS EXECUTE p}.
     */
    public enum Action {
        /** {@code PREPARE name AS stmt}: the command describes {@code stmt}. */
        PREPARE,
        /** {@code EXECUTE name}: runs what was prepared under that name. */
        EXECUTE,
        /** {@code DEALLOCATE name}, or {@code DEALLOCATE ALL} with the name {@code ""}. */
        DEALLOCATE,
        /** {@code DECLARE name CURSOR WITHOUT HOLD FOR stmt}: the command describes {@code stmt}. */
        DECLARE,
        /** {@code DECLARE name CURSOR WITH HOLD FOR stmt}: survives the commit of its transaction. */
        DECLARE_HOLD,
        /** {@code FETCH} or {@code MOVE} in a portal or cursor: runs its statement the first time. */
        FETCH,
        /** {@code CLOSE name}, or {@code CLOSE ALL} with the name {@code ""}. */
        CLOSE,
        /** {@code DISCARD ALL}: every prepared statement and portal is gone (name {@code ""}). */
        DISCARD_ALL,
        /** {@code SAVEPOINT name}: portals created after it belong to it. */
        SAVEPOINT,
        /** {@code RELEASE [SAVEPOINT] name}. */
        RELEASE,
        /** {@code ROLLBACK TO [SAVEPOINT] name}: closes the portals created since; its tag is {@code ROLLBACK}. */
        ROLLBACK_TO
    }

    public PreparedRef {
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(name, "name");
        if (commandIndex < 0) {
            throw new IllegalArgumentException("commandIndex must be >= 0: " + commandIndex);
        }
    }
}
