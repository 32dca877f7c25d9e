package dev.sluice.postgres.sql;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Finds, in one statement's libpg_query JSON tree, every attempt to change a setting that decides how the server
 * reads statement text. Sluice pins these for the whole session (see {@link PinnedSettings}); a statement that tries
 * to change one is refused by Sluice for everyone, whatever the policy says.
 * <p>
 * What counts as an attempt, anywhere in the tree (CTEs, subqueries, function arguments, nested statements):
 * <ul>
 *   <li>a {@code VariableSetStmt} naming a pinned setting (case-insensitive, quoted or not): {@code SET},
 *       {@code SET SESSION|LOCAL}, {@code SET .. TO DEFAULT}, {@code SET .. FROM CURRENT}, {@code RESET}, {@code SET
 *       NAMES}, and the same inside {@code ALTER ROLE|USER|DATABASE .. SET}, {@code ALTER SYSTEM SET} and
 *       {@code CREATE|ALTER FUNCTION|PROCEDURE .. SET}; only {@code SET name = value} with one plain constant that
 *       {@link PinnedSettings#allows} passes (so {@code SET client_encoding = 'UTF8'} and pg_dump's
 *       {@code SET standard_conforming_strings = on} still work);</li>
 *   <li>a call of {@code set_config} whose first argument is not one plain string constant (a concatenation, a cast,
 *       {@code format()}, {@code chr()}, a column, a parameter, a named or {@code VARIADIC} argument: judged as the
 *       most dangerous name), or names a pinned setting with a value {@link PinnedSettings#allows} does not pass;</li>
 *   <li>any other mention of the name {@code set_config} (an aggregate's state function, a cast or operator built on
 *       it): Sluice cannot see what calls it;</li>
 *   <li>an INSERT, UPDATE, DELETE or MERGE on {@code pg_settings}, whose update rule calls {@code set_config}.</li>
 * </ul>
 * {@code RESET ALL} and {@code DISCARD ALL} are not attempts: they return to the startup values Sluice pinned.
 * The walk is iterative: parse trees can be thousands of levels deep.
 */
public final class SessionSettingsWalker {

    private static final String SET_CONFIG = "set_config";
    private static final Set<String> DML = Set.of("InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt");

    private SessionSettingsWalker() {
    }

    /**
     * Why {@code tree} (libpg_query's {@code stmts} array, or one statement) must be refused; empty when it changes no
     * pinned setting. {@link SqlClassifier} puts it in {@link Classification#refusal}: refused for everyone.
     */
    static Optional<String> refusal(JsonNode tree) {
        Deque<JsonNode> stack = new ArrayDeque<>();
        stack.push(tree);
        while (!stack.isEmpty()) {
            JsonNode node = stack.pop();
            if (node.isArray()) {
                node.forEach(stack::push);
                continue;
            }
            if (!node.isObject()) {
                continue;
            }
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                String key = field.getKey();
                JsonNode value = field.getValue();
                Optional<String> found = switch (key) {
                    case "VariableSetStmt", "setstmt" -> variableSet(value);
                    case "FuncCall" -> funcCall(value);
                    case "String" -> mentionsSetConfig(value);
                    default -> DML.contains(key) ? settingsTable(value) : Optional.empty();
                };
                if (found.isPresent()) {
                    return found;
                }
                if (key.equals("FuncCall")) {
                    // the name was judged: walk only the arguments and clauses, not funcname's String nodes
                    value.properties().stream().filter(e -> !e.getKey().equals("funcname"))
                            .forEach(e -> stack.push(e.getValue()));
                } else {
                    stack.push(value);
                }
            }
        }
        return Optional.empty();
    }

    private static Optional<String> variableSet(JsonNode set) {
        String name = set.path("name").asText("");
        if (!PinnedSettings.pinned(name)) {
            return Optional.empty();
        }
        String kind = set.path("kind").asText("");
        JsonNode args = set.path("args");
        if (kind.equals("VAR_SET_VALUE") && args.size() == 1) {
            Optional<String> value = constant(args.get(0));
            if (value.isPresent() && PinnedSettings.allows(name, value.get())) {
                return Optional.empty();
            }
            return Optional.of(PinnedSettings.refusal(name, value));
        }
        return Optional.of(PinnedSettings.refusal(name, Optional.empty()));
    }

    private static Optional<String> funcCall(JsonNode call) {
        if (!isSetConfig(call.path("funcname"))) {
            return Optional.empty();
        }
        JsonNode args = call.path("args");
        if (call.path("func_variadic").asBoolean(false) || args.size() == 0) {
            return Optional.of("set_config with a setting name Sluice cannot read could change a setting Sluice "
                    + "pins");
        }
        Optional<String> name = stringConstant(args.get(0));
        if (name.isEmpty()) {
            return Optional.of("set_config with a setting name that is not a plain string constant could change a "
                    + "setting Sluice pins");
        }
        if (!PinnedSettings.pinned(name.get())) {
            return Optional.empty();
        }
        Optional<String> value = args.size() > 1 ? stringConstant(args.get(1)) : Optional.empty();
        if (value.isPresent() && PinnedSettings.allows(name.get(), value.get())) {
            return Optional.empty();
        }
        return Optional.of(PinnedSettings.refusal(name.get(), value));
    }

    private static boolean isSetConfig(JsonNode funcname) {
        if (!funcname.isArray() || funcname.isEmpty()) {
            return false;
        }
        return funcname.get(funcname.size() - 1).path("String").path("sval").asText("")
                .toLowerCase(Locale.ROOT).equals(SET_CONFIG);
    }

    private static Optional<String> mentionsSetConfig(JsonNode string) {
        return string.path("sval").asText("").toLowerCase(Locale.ROOT).equals(SET_CONFIG)
                ? Optional.of("set_config used other than in a plain call could change a setting Sluice pins")
                : Optional.empty();
    }

    private static Optional<String> settingsTable(JsonNode dml) {
        return dml.path("relation").path("relname").asText("").equalsIgnoreCase("pg_settings")
                ? Optional.of("changing pg_settings could change a setting Sluice pins (its update rule calls "
                + "set_config)")
                : Optional.empty();
    }

    /** A bare {@code A_Const} string (the parser has already decoded E'', U&'' and dollar quoting). */
    private static Optional<String> stringConstant(JsonNode node) {
        JsonNode sval = node.path("A_Const").path("sval");
        return sval.isObject() ? Optional.of(sval.path("sval").asText("")) : Optional.empty();
    }

    /** A bare {@code A_Const} string or integer, as PostgreSQL turns it into a setting's text. */
    private static Optional<String> constant(JsonNode node) {
        JsonNode constant = node.path("A_Const");
        Predicate<String> has = field -> constant.path(field).isObject();
        if (has.test("sval")) {
            return Optional.of(constant.path("sval").path("sval").asText(""));
        }
        if (has.test("ival")) {
            return Optional.of(String.valueOf(constant.path("ival").path("ival").asLong(0)));
        }
        return Optional.empty();
    }
}
