package dev.sluice.postgres;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.sluice.postgres.wire.BackendMessage.RowDescription.Field;

/**
 * The result description and masking lineage of each prepared statement and portal of one session, by name, as the
 * server's answers made them: the {@link Conversation} applies each answer to the message it answers. In the
 * extended protocol a client may Describe a statement once and then Bind and Execute it many times (pgjdbc does with
 * {@code prepareThreshold}): its rows then follow BindComplete with no RowDescription, and are masked by what is
 * remembered here.
 *
 * <pre>
 *  Parse S      → '1'            forget S's description (it is replaced); S's lineage is the Parse's
 *  Describe S   → 't' + 'T'|'n'  remember S's columns (formats unknown until Bind)
 *  Bind P ← S   → '2'            P = S's columns with Bind's result formats
 *  Describe P   → 'T'|'n'        P's columns with their real formats; also S's columns if P ← S
 *  Close S|P    → '3'            forget
 * </pre>
 *
 * Names are bounded by {@link PostgresCommandMapper#MAX_PREPARED}: past it a description is not kept, and its rows are
 * refused when they need masking. Upstream-to-client thread only.
 */
final class ResultDescriptions {
    /** The columns of a result and the format of each (Bind's codes: none = text, one = all, else per column). */
    record Described(List<Field> fields, short[] formats, Conversation.Lineage lineage) {
        static final Described NO_DATA = new Described(List.of(), new short[0], Conversation.Lineage.NONE);

        /** {@code fields} with the formats they report themselves (a RowDescription's own). */
        static Described of(List<Field> fields, Conversation.Lineage lineage) {
            short[] formats = new short[fields.size()];
            for (int i = 0; i < formats.length; i++) {
                formats[i] = fields.get(i).format();
            }
            return new Described(fields, formats, lineage);
        }
    }

    private final Map<String, List<Field>> statements = new HashMap<>();
    private final Map<String, Described> portals = new HashMap<>();
    /** The statement each portal was bound from: a Describe of the portal also describes its statement. */
    private final Map<String, String> portalSources = new HashMap<>();
    /** The masking lineage of each prepared statement, from its Parse. */
    private final Map<String, Conversation.Lineage> lineages = new HashMap<>();

    /** ParseComplete: {@code name} holds a new statement. */
    void parsed(String name, Conversation.Lineage lineage) {
        statements.remove(name);
        lineages.remove(name);
        remember(lineages, name, lineage);
    }

    /** BindComplete: {@code portal} runs {@code statement}, with Bind's result formats. */
    void bound(String portal, String statement, short[] formats) {
        List<Field> fields = statements.get(statement);
        portals.remove(portal);
        remember(portalSources, portal, statement);
        if (fields != null) {
            remember(portals, portal, new Described(fields, formats, statementLineage(statement)));
        }
    }

    /** The RowDescription ({@code fields}) or NoData (empty) answering a Describe of {@code target} {@code name}. */
    void described(byte target, String name, List<Field> fields, boolean noData) {
        if (target == 'S') {
            remember(statements, name, fields);
            return;
        }
        remember(portals, name, noData ? Described.NO_DATA : Described.of(fields, portalLineage(name)));
        String statement = portalSources.get(name);
        if (statement != null && !noData) {
            // pgjdbc describes the portal on a statement's first execution, then only binds the statement
            remember(statements, statement, fields);
        }
    }

    /** CloseComplete. */
    void closed(byte target, String name) {
        if (target == 'S') {
            statements.remove(name);
            lineages.remove(name);
        } else {
            portals.remove(name);
            portalSources.remove(name);
        }
    }

    /** What {@code portal}'s rows are; empty when it was never described in this session. */
    Optional<Described> portal(String portal) {
        return Optional.ofNullable(portals.get(portal));
    }

    /** A statement's lineage; unknown statements are unsure (fail closed). */
    Conversation.Lineage statementLineage(String statement) {
        Conversation.Lineage lineage = lineages.get(statement);
        return lineage != null ? lineage : Conversation.Lineage.FAIL_CLOSED;
    }

    /** The lineage of the statement a portal was bound from; unknown portals are unsure (fail closed). */
    Conversation.Lineage portalLineage(String portal) {
        String statement = portalSources.get(portal);
        return statement == null ? Conversation.Lineage.FAIL_CLOSED : statementLineage(statement);
    }

    private static <V> void remember(Map<String, V> map, String name, V value) {
        if (map.size() < PostgresCommandMapper.MAX_PREPARED || map.containsKey(name)) {
            map.put(name, value);
        }
    }
}
