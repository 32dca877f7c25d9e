package dev.sluice.postgres;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedDeque;

import dev.sluice.postgres.masking.MaskingLineage;
import dev.sluice.postgres.wire.BackendMessage.RowDescription.Field;
import dev.sluice.postgres.wire.FrontendMessage;

/**
 * Knows which description the DataRows streaming from upstream belong to, in both protocols. In the simple
 * protocol a RowDescription precedes its rows. In the extended protocol a client may Describe a statement once and
 * then Bind and Execute it many times (pgjdbc does with {@code prepareThreshold}): rows then follow BindComplete
 * with no RowDescription. So this class remembers the description of every prepared statement and portal by name,
 * pairing each answer with the message that asked for it, exactly as the server does:
 *
 * <pre>
 *  Parse S      → '1'            forget S's description (it is replaced)
 *  Describe S   → 't' + 'T'|'n'  remember S's columns (formats unknown until Bind)
 *  Bind P ← S   → '2'            P = S's columns with Bind's result formats
 *  Describe P   → 'T'|'n'        P's columns with their real formats; also S's columns if P ← S
 *  Execute P    → 'D'* 'C'|'s'|'I'|'E'   rows are P's
 *  Close S|P    → '3'            forget
 *  Sync         → 'Z'
 *  Query        → ('T' 'D'* 'C' | 'H' 'd'* 'c' 'C' | 'E' | 'I')* 'Z'
 * </pre>
 *
 * After an ErrorResponse the server skips every extended-protocol message until Sync; so does this class.
 * {@link #sent} runs on the client-to-upstream thread before the message is written upstream (so its answer cannot
 * overtake it); everything else runs on the upstream-to-client thread. Names are bounded by
 * {@link PostgresCommandMapper#MAX_PREPARED}: past it a description is not kept, and its rows are refused when
 * they need masking.
 */
final class MaskingOps {
    /** The columns of a result and the format of each (Bind's codes: none = text, one = all, else per column). */
    record Described(List<Field> fields, short[] formats, MaskingLineage lineage) {
        static final Described NO_DATA = new Described(List.of(), new short[0], MaskingLineage.NONE);
    }

    sealed interface Op {
        record Simple(String sql, MaskingLineage lineage) implements Op {
        }

        record ParseOp(String name, MaskingLineage lineage) implements Op {
        }

        record BindOp(String portal, String statement, short[] formats) implements Op {
        }

        record DescribeOp(byte target, String name) implements Op {
        }

        record ExecuteOp(String portal) implements Op {
        }

        record CloseOp(byte target, String name) implements Op {
        }

        record SyncOp() implements Op {
        }
    }

    private final ConcurrentLinkedDeque<Op> ops = new ConcurrentLinkedDeque<>();
    private final Map<String, List<Field>> statements = new HashMap<>();
    private final Map<String, Described> portals = new HashMap<>();
    /** The statement each portal was bound from: a Describe of the portal also describes its statement. */
    private final Map<String, String> portalSources = new HashMap<>();
    /** The masking lineage of each prepared statement, from its Parse. */
    private final Map<String, MaskingLineage> lineages = new HashMap<>();
    private Described current;
    private Op currentOwner;

    /** A client message about to be written upstream. */
    void sent(FrontendMessage message) {
        sent(message, MaskingLineage.NONE);
    }

    /** A client message about to be written upstream; {@code lineage} is that of a Query's or Parse's SQL. */
    void sent(FrontendMessage message, MaskingLineage lineage) {
        switch (message) {
            case FrontendMessage.Query q -> ops.addLast(new Op.Simple(q.sql(), lineage));
            case FrontendMessage.FunctionCall f -> ops.addLast(new Op.Simple("", MaskingLineage.failClosed()));
            case FrontendMessage.Parse p -> ops.addLast(new Op.ParseOp(p.name(), lineage));
            case FrontendMessage.Bind b -> ops.addLast(new Op.BindOp(b.portal(), b.statement(), b.resultFormats()));
            case FrontendMessage.Describe d -> ops.addLast(new Op.DescribeOp(d.target(), d.name()));
            case FrontendMessage.Execute e -> ops.addLast(new Op.ExecuteOp(e.portal()));
            case FrontendMessage.Close c -> ops.addLast(new Op.CloseOp(c.target(), c.name()));
            case FrontendMessage.Sync s -> ops.addLast(new Op.SyncOp());
            default -> { }
        }
    }

    /**
     * The server started copying in: it ignores the Syncs already sent behind the COPY, so no ReadyForQuery answers
     * them. Mirrors the tracker's own ({@code ResponseTracker#onCopyIn}), under its lock; Syncs sent from now on
     * until the copy ends are never recorded ({@code PostgresRelay} asks the tracker first).
     */
    void copyIn() {
        boolean afterRun = false;
        for (java.util.Iterator<Op> it = ops.iterator(); it.hasNext(); ) {
            Op op = it.next();
            if (!afterRun) {
                afterRun = op instanceof Op.Simple || op instanceof Op.ExecuteOp;
            } else if (op instanceof Op.SyncOp) {
                it.remove();
            }
        }
    }

    /** The last message {@link #sent} was not written; these were, in its place. */
    void replaceLast(List<FrontendMessage> instead) {
        ops.pollLast();
        instead.forEach(this::sent);
    }

    /** The SQL of the simple Query being answered, if that is what is being answered. */
    Optional<String> simpleSql() {
        return ops.peekFirst() instanceof Op.Simple simple ? Optional.of(simple.sql()) : Optional.empty();
    }

    /** RowDescription: the columns of the rows that follow (simple) or of a described statement or portal. */
    void rowDescription(List<Field> fields) {
        short[] formats = new short[fields.size()];
        for (int i = 0; i < formats.length; i++) {
            formats[i] = fields.get(i).format();
        }
        switch (ops.peekFirst()) {
            case Op.Simple simple -> {
                current = new Described(fields, formats, simple.lineage());
                currentOwner = simple;
            }
            case Op.DescribeOp d when d.target() == 'S' -> {
                ops.pollFirst();
                remember(statements, d.name(), fields);
            }
            case Op.DescribeOp d -> {
                ops.pollFirst();
                remember(portals, d.name(), new Described(fields, formats, lineageOfPortal(d.name())));
                String statement = portalSources.get(d.name());
                if (statement != null) {
                    // pgjdbc describes the portal on a statement's first execution, then only binds the statement
                    remember(statements, statement, fields);
                }
            }
            case null, default -> { }
        }
    }

    /** The description the next DataRow belongs to; empty when unknown. */
    Optional<Described> rows() {
        Op head = ops.peekFirst();
        if (head instanceof Op.ExecuteOp execute && currentOwner != head) {
            current = portals.get(execute.portal());
            currentOwner = head;
        }
        return currentOwner == head ? Optional.ofNullable(current) : Optional.empty();
    }

    /** Every other backend message type, after the masking of its frame. */
    void answered(byte type) {
        Op head = ops.peekFirst();
        switch (type) {
            case 'n' -> {
                if (head instanceof Op.DescribeOp d) {
                    ops.pollFirst();
                    if (d.target() == 'S') {
                        remember(statements, d.name(), List.of());
                    } else {
                        remember(portals, d.name(), Described.NO_DATA);
                    }
                }
            }
            case '1' -> {
                if (head instanceof Op.ParseOp p) {
                    ops.pollFirst();
                    statements.remove(p.name());
                    lineages.remove(p.name());
                    remember(lineages, p.name(), p.lineage());
                }
            }
            case '2' -> {
                if (head instanceof Op.BindOp b) {
                    ops.pollFirst();
                    List<Field> fields = statements.get(b.statement());
                    portals.remove(b.portal());
                    remember(portalSources, b.portal(), b.statement());
                    if (fields != null) {
                        remember(portals, b.portal(), new Described(fields, b.formats(), lineageOf(b.statement())));
                    }
                }
            }
            case '3' -> {
                if (head instanceof Op.CloseOp c) {
                    ops.pollFirst();
                    (c.target() == 'S' ? statements : portals).remove(c.name());
                    if (c.target() == 'S') {
                        lineages.remove(c.name());
                    }
                    if (c.target() != 'S') {
                        portalSources.remove(c.name());
                    }
                }
            }
            case 'C', 's', 'I' -> {
                endResult();
                if (head instanceof Op.ExecuteOp) {
                    ops.pollFirst();
                }
            }
            case 'E' -> {
                endResult();
                if (!(head instanceof Op.Simple)) {
                    while (ops.peekFirst() != null && !(ops.peekFirst() instanceof Op.SyncOp)) {
                        ops.pollFirst();
                    }
                }
            }
            case 'Z' -> {
                endResult();
                while (true) {
                    Op op = ops.pollFirst();
                    if (op == null || op instanceof Op.SyncOp || op instanceof Op.Simple) {
                        break;
                    }
                }
            }
            default -> { }
        }
    }

    /**
     * The lineage of the statement whose answers are streaming now (for its errors, notices and status reports);
     * {@link MaskingLineage#NONE} between statements.
     */
    MaskingLineage currentLineage() {
        return switch (ops.peekFirst()) {
            case Op.Simple simple -> simple.lineage();
            case Op.ParseOp parse -> parse.lineage();
            case Op.BindOp bind -> lineageOf(bind.statement());
            case Op.ExecuteOp execute -> lineageOfPortal(execute.portal());
            case null, default -> MaskingLineage.NONE;
        };
    }

    /** A statement's lineage; unknown statements are unsure (fail closed). */
    private MaskingLineage lineageOf(String statement) {
        MaskingLineage lineage = lineages.get(statement);
        return lineage != null ? lineage : MaskingLineage.failClosed();
    }

    private MaskingLineage lineageOfPortal(String portal) {
        String statement = portalSources.get(portal);
        return statement == null ? MaskingLineage.failClosed() : lineageOf(statement);
    }

    private void endResult() {
        current = null;
        currentOwner = null;
    }

    private static <V> void remember(Map<String, V> map, String name, V value) {
        if (map.size() < PostgresCommandMapper.MAX_PREPARED || map.containsKey(name)) {
            map.put(name, value);
        }
    }
}
