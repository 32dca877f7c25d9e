package dev.sluice.postgres;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.sluice.core.policy.Command;
import dev.sluice.postgres.wire.FrontendMessage.Bind;

/**
 * Turns what a PostgreSQL client sends into protocol-neutral {@link Command}s, with the session's memory of
 * prepared statements: SQL-level {@code PREPARE}/{@code EXECUTE} and protocol-level Parse/Bind/Execute. A name
 * Sluice never saw prepared is never resolved to "harmless": {@link Mapped#refusal} says why it is refused.
 *
 * <p>Confined to the session's client-to-upstream thread.
 */
final class PostgresCommandMapper {
    static final int MAX_PREPARED = 10_000;
    private static final int MAX_AUDITED_PARAMETER = 1024;

    private final SqlClassifier classifier;
    private final Map<String, List<Command>> sqlPrepared = new HashMap<>();
    private final Map<String, Prepared> statements = new HashMap<>();
    private final Map<String, Portal> portals = new HashMap<>();
    /** Portals already executed once, with their statement id: a later Execute fetches more of the same run. */
    private final Map<String, Long> executed = new HashMap<>();

    /** A protocol-level prepared statement: its text, how it classified, and the parameter types Parse declared. */
    record Prepared(String text, List<Command> commands, int[] parameterTypes) {
    }

    /** A bound portal: its statement and the parameters as audited. */
    record Portal(Prepared statement, List<String> parameters) {
    }

    /**
     * The commands to judge, or the reason they must be refused without asking the policy; and what the SQL-level
     * prepared statements will be once the string ran ({@link #admitted} applies it, only to what was forwarded).
     */
    record Mapped(List<Command> commands, Optional<String> refusal,
                  Optional<Map<String, List<Command>>> preparedAfter) {
        Mapped(List<Command> commands, Optional<String> refusal) {
            this(commands, refusal, Optional.empty());
        }
    }

    PostgresCommandMapper(SqlClassifier classifier) {
        this.classifier = classifier;
    }

    /**
     * A simple-protocol query string, with SQL-level PREPARE/EXECUTE/DEALLOCATE resolved in order. Changes nothing:
     * the caller applies {@link Mapped#preparedAfter} with {@link #admitted} once the string is forwarded, so that
     * a refused string (never run) cannot make Sluice forget or relabel a statement the server still holds.
     */
    Mapped mapQuery(String sql) {
        Classification classification = classifier.classify(sql);
        List<Command> commands = new ArrayList<>(classification.commands());
        if (classification.refusal().isPresent()) {
            return new Mapped(commands, classification.refusal()); // over a configured limit: fail closed
        }
        boolean changes = classification.prepared().stream()
                .anyMatch(ref -> ref.action() != PreparedRef.Action.EXECUTE);
        Map<String, List<Command>> after = changes ? new HashMap<>(sqlPrepared) : sqlPrepared;
        for (PreparedRef ref : classification.prepared()) {
            switch (ref.action()) {
                case EXECUTE -> {
                    List<Command> prepared = after.get(ref.name());
                    if (prepared == null) {
                        return new Mapped(commands, Optional.of("prepared statement \"" + ref.name()
                                + "\" was not prepared through Sluice in this session"));
                    }
                    commands.set(ref.commandIndex(), prepared.getFirst());
                }
                case PREPARE -> {
                    // The server refuses an existing name and keeps what it holds: so must Sluice, or an EXECUTE
                    // would be judged as the new text while the server runs the old one.
                    if (after.containsKey(ref.name())) {
                        return new Mapped(commands, Optional.of("prepared statement \"" + ref.name()
                                + "\" already exists in this session: DEALLOCATE it first"));
                    }
                    if (after.size() >= MAX_PREPARED) {
                        return new Mapped(commands, Optional.of("too many prepared statements in this session"));
                    }
                    after.put(ref.name(), List.of(commands.get(ref.commandIndex())));
                }
                case DEALLOCATE -> {
                    if (ref.name().isEmpty()) {
                        after.clear();
                    } else {
                        after.remove(ref.name());
                    }
                }
            }
        }
        return new Mapped(commands, Optional.empty(), changes ? Optional.of(after) : Optional.empty());
    }

    /** The string or statement of {@code mapped} was forwarded: its SQL-level PREPARE/DEALLOCATE now count. */
    void admitted(Mapped mapped) {
        mapped.preparedAfter().ifPresent(after -> {
            sqlPrepared.clear();
            sqlPrepared.putAll(after);
        });
    }

    /**
     * Parse: remembers the statement under its name (the unnamed one is replaced) and returns its commands. A named
     * statement Sluice already holds is refused and kept: the server would refuse the Parse and keep the old one.
     */
    Mapped parse(String name, String sql, int[] parameterTypes) {
        Mapped result = mapQuery(sql);
        if (!name.isEmpty() && statements.containsKey(name)) {
            return new Mapped(result.commands(), Optional.of("prepared statement \"" + name
                    + "\" already exists in this session: Close it first"));
        }
        statements.remove(name);
        if (statements.size() >= MAX_PREPARED) {
            return new Mapped(result.commands(), Optional.of("too many prepared statements in this session"));
        }
        if (result.refusal().isEmpty()) {
            statements.put(name, new Prepared(sql, result.commands(), parameterTypes.clone()));
        }
        return result;
    }

    /** Bind: empty when the statement is unknown to Sluice (the caller refuses). */
    Optional<Portal> bind(Bind bind) {
        portals.remove(bind.portal());
        executed.remove(bind.portal());
        Prepared statement = statements.get(bind.statement());
        if (statement == null) {
            return Optional.empty();
        }
        Portal result = new Portal(statement, auditedParameters(bind, statement.parameterTypes()));
        portals.put(bind.portal(), result);
        return Optional.of(result);
    }

    Optional<Portal> portal(String name) {
        return Optional.ofNullable(portals.get(name));
    }

    /** The statement id of this portal's first execution, when it was executed before (a fetch of more rows). */
    java.util.OptionalLong executedAs(String portal) {
        Long id = executed.get(portal);
        return id == null ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(id);
    }

    void executed(String portal, long statementId) {
        executed.put(portal, statementId);
    }

    void forget(byte target, String name) {
        if (target == 'S') {
            statements.remove(name);
        } else {
            portals.remove(name);
            executed.remove(name);
        }
    }

    /** After a refusal the server's unnamed statement and portal are Sluice's own: never let them be reused. */
    void forgetUnnamed() {
        statements.remove("");
        portals.remove("");
        executed.remove("");
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
