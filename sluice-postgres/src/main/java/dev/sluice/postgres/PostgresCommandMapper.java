package dev.sluice.postgres;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

import dev.sluice.core.policy.SqlCommand;
import dev.sluice.postgres.PostgresNamespace.Change;
import dev.sluice.postgres.PostgresNamespace.Definition;
import dev.sluice.postgres.PostgresNamespace.Portal;
import dev.sluice.postgres.PostgresNamespace.Space;
import dev.sluice.postgres.sql.Classification;
import dev.sluice.postgres.sql.PreparedRef;
import dev.sluice.postgres.sql.SqlClassifier;
import dev.sluice.postgres.wire.FrontendMessage.Bind;

/**
 * Turns what a PostgreSQL client sends into protocol-neutral {@link Command}s, resolving every name against the
 * session's {@link PostgresNamespace}: SQL {@code EXECUTE name}, and the first {@code FETCH}/{@code MOVE} of a
 * portal or cursor (which runs its statement), are judged as what the name may hold, every possible reading at once
 * (the most dangerous one decides). A name Sluice knows nothing of is never resolved to "harmless":
 * {@link Mapped#refusal} says why it is refused.
 *
 * <p>Confined to the session's client-to-upstream thread (the namespace itself is shared with the tracker).
 */
final class PostgresCommandMapper {
    static final int MAX_PREPARED = PostgresNamespace.MAX_NAMES;
    private static final int MAX_AUDITED_PARAMETER = 1024;

    private final SqlClassifier classifier;
    private final PostgresNamespace names = new PostgresNamespace();

    /**
     * The commands to judge, or the reason they must be refused without asking the policy; the notes to append to
     * the audited text (what each name resolved to); the namespace changes each statement makes when it succeeds
     * (registered only once forwarded); and the portals whose statement this run starts.
     */
    record Mapped(List<SqlCommand> commands, Optional<String> refusal, List<String> notes,
                  List<List<Change>> changes, List<String> starts) {
        Mapped(List<SqlCommand> commands, Optional<String> refusal) {
            this(commands, refusal, List.of(), List.of(), List.of());
        }

        static Mapped refused(List<SqlCommand> commands, String reason) {
            return new Mapped(commands, Optional.of(reason));
        }

        /** The audited text: {@code text}, then one line per name it ran through. */
        String audited(String text) {
            return notes.isEmpty() ? text : text + "\n" + String.join("\n", notes);
        }
    }

    PostgresCommandMapper(SqlClassifier classifier) {
        this.classifier = classifier;
    }

    PostgresNamespace names() {
        return names;
    }

    /** A simple-protocol query string: its names resolved in order, each statement seeing the ones before it. */
    Mapped mapQuery(String sql) {
        Classification classification = classifier.classify(sql);
        if (classification.refusal().isPresent()) {
            // over a configured limit, or changes a setting Sluice pins: fail closed
            return Mapped.refused(classification.commands(), classification.refusal().get());
        }
        return resolve(classification.commands(), classification.prepared());
    }

    /**
     * Resolves the references of one execution unit. Its statements run in order and stop at the first error, so a
     * later statement sees what the earlier ones defined or dropped as done.
     */
    private Mapped resolve(List<SqlCommand> commands, List<PreparedRef> refs) {
        List<List<SqlCommand>> judged = new ArrayList<>();
        List<List<Change>> changes = new ArrayList<>();
        for (SqlCommand command : commands) {
            judged.add(new ArrayList<>(List.of(command)));
            changes.add(new ArrayList<>());
        }
        List<String> notes = new ArrayList<>();
        List<String> starts = new ArrayList<>();
        Overlay overlay = new Overlay();
        for (PreparedRef ref : refs) {
            SqlCommand command = commands.get(ref.commandIndex());
            List<SqlCommand> target = judged.get(ref.commandIndex());
            List<Change> made = changes.get(ref.commandIndex());
            String name = ref.name();
            switch (ref.action()) {
                case EXECUTE -> {
                    List<Definition> readings = overlay.statements(name);
                    if (readings.isEmpty()) {
                        return Mapped.refused(commands, "prepared statement \"" + name
                                + "\" was not prepared through Sluice in this session");
                    }
                    for (Definition reading : readings) {
                        if (!reading.refs().isEmpty()) {
                            // fail closed: one level of names only, never a statement that runs or changes others
                            return Mapped.refused(commands, "prepared statement \"" + name
                                    + "\" itself names prepared statements or cursors");
                        }
                        into(target, command, reading.commands());
                        notes.add("-- Sluice: EXECUTE \"" + name + "\" runs: " + reading.text());
                    }
                }
                case FETCH -> {
                    List<Portal> readings = overlay.portals(name);
                    if (readings.isEmpty()) {
                        return Mapped.refused(commands, "portal \"" + name
                                + "\" was not bound or declared through Sluice in this session");
                    }
                    if (!overlay.ran(name)) {
                        for (Portal portal : readings) {
                            for (Definition reading : portal.statements()) {
                                if (!reading.refs().isEmpty()) {
                                    return Mapped.refused(commands, "portal \"" + name
                                            + "\" itself names prepared statements or cursors");
                                }
                                into(target, command, reading.commands());
                                notes.add("-- Sluice: FETCH \"" + name + "\" runs: " + reading.text());
                            }
                        }
                        starts.add(name);
                        overlay.started.add(name);
                    }
                }
                case PREPARE -> {
                    if (names.full(Space.STATEMENT)) {
                        return Mapped.refused(commands, "too many prepared statements in this session");
                    }
                    Definition value = new Definition(command.text(), List.of(command), List.of(), new int[0]);
                    made.add(new Change.DefineStatement(name, value));
                    overlay.statements.put(name, List.of(value));
                }
                case DECLARE, DECLARE_HOLD -> {
                    if (names.full(Space.PORTAL)) {
                        return Mapped.refused(commands, "too many portals in this session");
                    }
                    Portal value = new Portal(List.of(new Definition(command.text(), List.of(command), List.of(),
                            new int[0])), List.of(), ref.action() == PreparedRef.Action.DECLARE_HOLD);
                    made.add(new Change.DefinePortal(name, value));
                    overlay.portals.put(name, List.of(value));
                    overlay.started.remove(name);
                }
                case DEALLOCATE -> {
                    made.add(name.isEmpty() ? new Change.RemoveAll(Space.STATEMENT)
                            : new Change.Remove(Space.STATEMENT, name));
                    overlay.remove(Space.STATEMENT, name);
                }
                case CLOSE -> {
                    made.add(name.isEmpty() ? new Change.RemoveAll(Space.PORTAL)
                            : new Change.Remove(Space.PORTAL, name));
                    overlay.remove(Space.PORTAL, name);
                }
                case SAVEPOINT, RELEASE, ROLLBACK_TO -> made.add(new Change.Savepoint(ref.action(), name));
                case DISCARD_ALL -> {
                    made.add(new Change.RemoveAll(Space.STATEMENT));
                    made.add(new Change.RemoveAll(Space.PORTAL));
                    overlay.remove(Space.STATEMENT, "");
                    overlay.remove(Space.PORTAL, "");
                }
            }
        }
        List<SqlCommand> result = new ArrayList<>();
        judged.forEach(result::addAll);
        return new Mapped(result, Optional.empty(), notes, changes, starts);
    }

    /** Judged as what it runs: a bare EXECUTE or FETCH is replaced, anything else (CREATE TABLE AS ..) keeps its own. */
    private static void into(List<SqlCommand> target, SqlCommand command, List<SqlCommand> runs) {
        if (target.size() == 1 && target.getFirst() == command
                && (command.kind().equals("EXECUTE") || command.kind().equals("FETCH"))) {
            target.clear();
        }
        target.addAll(runs);
    }

    /** What the earlier statements of one simple query defined or dropped, on top of the namespace. */
    private final class Overlay {
        final Map<String, List<Definition>> statements = new HashMap<>();
        final Map<String, List<Portal>> portals = new HashMap<>();
        final java.util.Set<String> started = new java.util.HashSet<>();
        boolean noStatements;
        boolean noPortals;

        List<Definition> statements(String name) {
            List<Definition> local = statements.get(name);
            return local != null ? local : noStatements ? List.of() : names.statements(name);
        }

        List<Portal> portals(String name) {
            List<Portal> local = portals.get(name);
            return local != null ? local : noPortals ? List.of() : names.portals(name);
        }

        boolean ran(String name) {
            if (started.contains(name)) {
                return true;
            }
            return !portals.containsKey(name) && !noPortals && names.ranAs(name).isPresent();
        }

        void remove(Space space, String name) {
            if (name.isEmpty()) {
                if (space == Space.STATEMENT) {
                    statements.clear();
                    noStatements = true;
                } else {
                    portals.clear();
                    noPortals = true;
                    started.clear();
                }
            } else if (space == Space.STATEMENT) {
                statements.put(name, List.of());
            } else {
                portals.put(name, List.of());
                started.remove(name);
            }
        }
    }

    /**
     * Registers the changes of a forwarded unit, statement by statement; returns their ids per statement, for the
     * tracker to resolve with the server's answers. Also marks the portals whose statement this run starts.
     */
    List<long[]> admitted(Mapped mapped, long statementId) {
        List<long[]> result = new ArrayList<>(mapped.changes().size());
        for (List<Change> statement : mapped.changes()) {
            result.add(statement.stream().mapToLong(names::register).toArray());
        }
        mapped.starts().forEach(portal -> names.ran(portal, statementId));
        return result;
    }

    /** A simple Query (the client's or Sluice's refusal) drops the unnamed statement and portal when it starts. */
    long[] simpleQueryStarts() {
        return new long[] {names.register(new Change.Remove(Space.STATEMENT, "")),
                names.register(new Change.Remove(Space.PORTAL, ""))};
    }

    /** Sluice's own Parse/Bind of the unnamed statement and portal (a refusal) replace the client's. */
    long[] refusalReplacesUnnamed() {
        return simpleQueryStarts();
    }

    /** Parse: the commands to judge (its names resolved as they are now) and the change it asks for. */
    Mapped parse(String name, String sql, int[] parameterTypes) {
        Classification classification = classifier.classify(sql);
        if (classification.refusal().isPresent()) {
            return Mapped.refused(classification.commands(), classification.refusal().get());
        }
        Mapped result = resolve(classification.commands(), classification.prepared());
        if (result.refusal().isPresent()) {
            return result;
        }
        if (names.full(Space.STATEMENT)) {
            return Mapped.refused(result.commands(), "too many prepared statements in this session");
        }
        Definition value = new Definition(sql, classification.commands(), classification.prepared(), parameterTypes);
        return new Mapped(result.commands(), Optional.empty(), result.notes(),
                List.of(List.of(new Change.DefineStatement(name, value))), List.of());
    }

    /** Bind: the change it asks for; empty when Sluice knows no statement of that name (the caller refuses). */
    Optional<Change> bind(Bind bind) {
        List<Definition> readings = names.statements(bind.statement());
        if (readings.isEmpty() || names.full(Space.PORTAL)) {
            return Optional.empty();
        }
        // parameters are rendered with the types of the first reading: they are only audited
        return Optional.of(new Change.DefinePortal(bind.portal(), new Portal(readings,
                auditedParameters(bind, readings.getFirst().parameterTypes()), false)));
    }

    /** Registers a change forwarded as its own message (Parse, Bind, Close); returns its id. */
    long register(Change change) {
        return names.register(change);
    }

    /** A unit to run, the portal's text to audit, and its parameters. */
    record Run(Mapped mapped, String text, List<String> parameters) {
    }

    /**
     * Execute of {@code portal}: every statement it may hold, with their names resolved now; empty when Sluice knows
     * no such portal. A portal whose readings would change names differently is refused (fail closed): Sluice could
     * not tell which change the server made.
     */
    Optional<Run> execute(String portal) {
        List<Portal> readings = names.portals(portal);
        if (readings.isEmpty()) {
            return Optional.empty();
        }
        List<SqlCommand> commands = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        List<List<Change>> changes = List.of();
        List<String> starts = new ArrayList<>();
        List<Definition> statements = readings.stream().flatMap(p -> p.statements().stream()).distinct().toList();
        for (Definition statement : statements) {
            Mapped mapped = resolve(statement.commands(), statement.refs());
            if (mapped.refusal().isPresent()) {
                return Optional.of(new Run(mapped, statement.text(), readings.getFirst().parameters()));
            }
            boolean changesNames = mapped.changes().stream().anyMatch(c -> !c.isEmpty());
            if (changesNames && statements.size() > 1) {
                return Optional.of(new Run(Mapped.refused(mapped.commands(), "portal \"" + portal
                        + "\" may hold statements that change names differently"), statement.text(), List.of()));
            }
            if (changesNames) {
                // an Execute runs one statement: its changes are resolved by its one CommandComplete
                changes = List.of(mapped.changes().stream().flatMap(List::stream).toList());
            }
            commands.addAll(mapped.commands());
            notes.addAll(mapped.notes());
            starts.addAll(mapped.starts());
            texts.add(statement.text());
        }
        String text = String.join("\n-- Sluice: or, as the name was uncertain: ", texts);
        return Optional.of(new Run(new Mapped(commands, Optional.empty(), notes, changes, starts), text,
                readings.getFirst().parameters()));
    }

    /** The statement id of this portal's first run, when it ran before (a fetch of more rows). */
    OptionalLong executedAs(String portal) {
        return names.ranAs(portal);
    }

    void executed(String portal, long statementId) {
        names.ran(portal, statementId);
    }

    /** Whether Describe of {@code target} ('S' or 'P') {@code name} names something Sluice knows. */
    boolean known(byte target, String name) {
        return target == 'S' ? !names.statements(name).isEmpty() : !names.portals(name).isEmpty();
    }

    private static List<String> auditedParameters(Bind bind, int[] types) {
        List<String> result = new ArrayList<>(bind.parameters().length);
        short[] formats = bind.parameterFormats();
        for (int i = 0; i < bind.parameters().length; i++) {
            byte[] value = bind.parameters()[i];
            short format = formats.length == 1 ? formats[0] : i < formats.length ? formats[i] : 0;
            int type = i < types.length ? types[i] : 0;
            result.add(value == null ? "NULL" : render(value, format, type));
        }
        return result;
    }

    /** Text as sent; binary values of common types as their text form (see {@link BinaryParameters}), else hex. */
    private static String render(byte[] value, short format, int type) {
        if (format != 0 && !BinaryParameters.isText(type)) {
            Optional<String> decoded = BinaryParameters.render(type, value);
            if (decoded.isPresent()) {
                String text = decoded.get();
                return text.length() > MAX_AUDITED_PARAMETER
                        ? text.substring(0, MAX_AUDITED_PARAMETER) + "…(" + value.length + " bytes)" : text;
            }
        }
        int length = Math.min(value.length, MAX_AUDITED_PARAMETER);
        String text = format == 0 || BinaryParameters.isText(type)
                ? new String(value, 0, length, StandardCharsets.UTF_8)
                : "\\x" + HexFormat.of().formatHex(value, 0, length);
        return value.length > MAX_AUDITED_PARAMETER ? text + "…(" + value.length + " bytes)" : text;
    }
}
