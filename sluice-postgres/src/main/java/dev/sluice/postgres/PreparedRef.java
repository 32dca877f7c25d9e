package dev.sluice.postgres;

import java.util.Objects;

/**
 * A reference to a named prepared statement made by one command of a {@link Classification}. The session keeps what
 * it saw prepared, resolves {@code EXECUTE} against it and fails closed on a name it does not know.
 *
 * @param action       what the command does with the prepared statement
 * @param name         the prepared statement's name as the parser resolved it; {@code ""} for {@code DEALLOCATE ALL}
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
        DEALLOCATE
    }

    public PreparedRef {
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(name, "name");
        if (commandIndex < 0) {
            throw new IllegalArgumentException("commandIndex must be >= 0: " + commandIndex);
        }
    }
}
