package dev.sluice.core.policy;

import java.util.Objects;
import java.util.Set;

/**
 * One protocol-neutral command, as policy and masking see it: never bytes. A SQL string holding several statements
 * becomes several commands, one per statement, each carrying the total in {@code statementCount}.
 *
 * @param protocol       {@code postgres}, later {@code mysql}, {@code ssh}, {@code kubernetes}, {@code http}
 * @param kind           upper-case classification, e.g. {@code SELECT}, {@code DELETE}, {@code DROP}, {@code DO};
 *                       {@link #UNKNOWN} when the statement could not be parsed
 * @param text           the statement text as the client sent it
 * @param tables         relations the statement names (lower-cased, schema-qualified where it was written so)
 * @param functions      functions it calls (lower-cased, without schema)
 * @param hasWhere       for UPDATE/DELETE: whether a WHERE clause restricts it; false for other kinds
 * @param opaque         true when the statement runs or installs code whose effect cannot be known in advance
 *                       (DO, CALL, CREATE FUNCTION/PROCEDURE/RULE/TRIGGER); such commands are judged as able to do
 *                       anything
 * @param statementCount how many statements the client sent in the same string
 */
public record Command(String protocol, String kind, String text, Set<String> tables, Set<String> functions,
                      boolean hasWhere, boolean opaque, int statementCount) {

    public static final String UNKNOWN = "UNKNOWN";

    public Command {
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(text, "text");
        tables = Set.copyOf(tables);
        functions = Set.copyOf(functions);
    }

    public boolean unknown() {
        return UNKNOWN.equals(kind);
    }
}
