package dev.sluice.core.policy;

import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;

/**
 * One protocol-neutral command, as policy and masking see it: never bytes. A SQL string holding several statements
 * becomes several commands, one per statement, each carrying the total in {@code statementCount}.
 *
 * @param protocol       {@code postgres}, later {@code mysql}, {@code ssh}, {@code kubernetes}, {@code http}
 * @param kind           upper-case classification of the statement's most dangerous effect, e.g. {@code SELECT},
 *                       {@code DELETE}, {@code DROP}, {@code DO}; {@link #UNKNOWN} when the statement could not be
 *                       parsed
 * @param text           the statement text as the client sent it
 * @param tables         relations the statement names (lower-cased, schema-qualified where it was written so)
 * @param functions      functions it calls (lower-cased, without schema)
 * @param hasWhere       for UPDATE/DELETE: whether a WHERE clause restricts it, and only when every UPDATE and DELETE
 *                       effect of the statement is so restricted; false for other kinds
 * @param opaque         true when the statement runs or installs code whose effect cannot be known in advance
 *                       (DO, CALL, CREATE FUNCTION/PROCEDURE/RULE/TRIGGER); such commands are judged as able to do
 *                       anything
 * @param statementCount how many statements the client sent in the same string
 * @param kinds          every kind the statement performs, {@code kind} included (e.g. {@code INSERT .. ON CONFLICT
 *                       DO UPDATE} is UPDATE and INSERT, {@code SELECT .. FOR UPDATE} is SELECT and LOCK); in
 *                       iteration order {@code kind} first
 */
public record Command(String protocol, String kind, String text, Set<String> tables, Set<String> functions,
                      boolean hasWhere, boolean opaque, int statementCount, Set<String> kinds) {

    public static final String UNKNOWN = "UNKNOWN";

    public Command {
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(text, "text");
        tables = Set.copyOf(tables);
        functions = Set.copyOf(functions);
        Set<String> all = new LinkedHashSet<>();
        all.add(kind);
        all.addAll(kinds);
        kinds = java.util.Collections.unmodifiableSet(all);
    }

    /** A command with a single effect: {@code kinds} is {@code {kind}}. */
    public Command(String protocol, String kind, String text, Set<String> tables, Set<String> functions,
                   boolean hasWhere, boolean opaque, int statementCount) {
        this(protocol, kind, text, tables, functions, hasWhere, opaque, statementCount, Set.of(kind));
    }

    public boolean unknown() {
        return UNKNOWN.equals(kind);
    }

    /** {@code kind}, then the other kinds in order, joined by {@code +}: {@code UPDATE+INSERT}; as audited. */
    public String kindsLabel() {
        return String.join("+", kinds);
    }
}
