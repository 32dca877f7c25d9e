package dev.sluice.core.policy;

import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One SQL statement, as policy and masking see it: never bytes. A SQL string holding several statements becomes
 * several commands, one per statement, each carrying the total in {@code statementCount}.
 *
 * @param protocol       {@code postgres}, later {@code mysql}, {@code ssh}, {@code kubernetes}, {@code http}
 * @param kind           upper-case classification of the statement's most dangerous effect, e.g. {@code SELECT},
 *                       {@code DELETE}, {@code DROP}, {@code DO}; {@link Command#UNKNOWN} when the statement could not be
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
public record SqlCommand(String protocol, String kind, String text, Set<String> tables, Set<String> functions,
                      boolean hasWhere, boolean opaque, int statementCount, Set<String> kinds)
        implements Command {

    public SqlCommand {
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
    public SqlCommand(String protocol, String kind, String text, Set<String> tables, Set<String> functions,
                   boolean hasWhere, boolean opaque, int statementCount) {
        this(protocol, kind, text, tables, functions, hasWhere, opaque, statementCount, Set.of(kind));
    }

    /** Rule keys {@code tables} and {@code functions}. */
    @Override
    public Map<String, Set<String>> objects() {
        return Map.of(TABLES, tables, FUNCTIONS, functions);
    }

    @Override
    public Map<String, Object> fields() {
        return Map.of("tables", tables.stream().sorted().toList(), "functions", functions.stream().sorted().toList(),
                "has_where", hasWhere, "statement_count", (long) statementCount);
    }
}
