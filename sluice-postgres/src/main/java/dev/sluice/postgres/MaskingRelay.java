package dev.sluice.postgres;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sluice.core.masking.MaskTally;
import dev.sluice.core.masking.MaskingPlan;
import dev.sluice.core.masking.MaskingRules;
import dev.sluice.core.session.GatewaySession;
import dev.sluice.core.spi.Dialer;
import dev.sluice.postgres.masking.ColumnResolver;
import dev.sluice.postgres.masking.MaskedValues;
import dev.sluice.postgres.masking.MaskingCopy;
import dev.sluice.postgres.masking.MaskingErrors;
import dev.sluice.postgres.masking.MaskingLineage;
import dev.sluice.postgres.masking.MaskingLineageRefusals;
import dev.sluice.postgres.masking.MaskingLineageTracker;
import dev.sluice.postgres.masking.MaskingRefusal;
import dev.sluice.postgres.masking.MaskingShape;
import dev.sluice.postgres.masking.RowMasker;
import dev.sluice.postgres.wire.BackendMessage;
import dev.sluice.postgres.wire.Frame;

/**
 * Inline masking for one PostgreSQL session: sensitive values never leave Sluice in clear, neither to the client
 * nor to the audit trail. Sits in front of the {@link ResponseTracker} on the upstream-to-client path (so outcomes
 * are audited as the client sees them, masked) and masks statement text and parameters before they are audited.
 *
 * <p>Rules come from the live {@link dev.sluice.core.access.GatewayState}: a reload applies to the next result.
 * Streaming and constant memory: each DataRow is rewritten on its own, and a row with nothing to mask is passed on
 * as the very same frame. A result that cannot be masked safely is refused: Sluice sends ErrorResponse 42501 in
 * its place and drops the server's further answers up to ReadyForQuery (the statement ran; its result is withheld).
 *
 * <p>Which statement each answer belongs to, and the columns of its rows, it reads from the session's
 * {@link Conversation}: the main plan reads each statement's lineage for the caller, the shadow (see
 * {@link #audited}) the trail's; neither keeps a record of the conversation of its own.
 *
 * <p>Threads: {@link #lineage}, {@link #screen} and {@link #masksResults} run on the client-to-upstream thread;
 * {@link #onFrame} and {@link #takeCounts} on the upstream-to-client thread, before the tracker advances the
 * conversation with the same frame. Each thread has its own plan cache; the tally is the upstream-to-client thread's.
 */
final class MaskingRelay implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MaskingRelay.class);
    /** Reported settings the client's protocol handling depends on: passed on as the server reports them. */
    private static final Set<String> PROTOCOL_SETTINGS = Set.of("client_encoding", "datestyle", "intervalstyle",
            "timezone", "standard_conforming_strings", "integer_datetimes", "server_version", "server_encoding",
            "is_superuser", "session_authorization", "in_hot_standby", "default_transaction_read_only",
            "scram_iterations");

    private final GatewaySession guard;
    private final Conversation conversation;
    /** The shadow: reads the trail's lineages. */
    private final boolean isShadow;
    private final ColumnResolver resolver;
    private final MaskTally tally = new MaskTally();
    /** Clear values this session's results had masked (upstream-to-client thread). */
    private final MaskedValues seen = new MaskedValues();
    private final PlanCache upstreamPlans;
    private final MaskingCopy copy;
    /** Client-to-upstream thread: the plan that decides lineage and refusals, and the lineage of each text. */
    private final PlanCache clientPlans;
    private final MaskingLineageTracker lineages;
    /** Where both trackers (this one's and the shadow's) load catalog facts: once per statement for both. */
    private final SharedCatalogFacts facts;
    /**
     * The same answers masked as for a caller under every rule of the connection, for the audit trail (recordings,
     * error texts): a caller exempt from a rule ({@code unless-groups}) sees clear values, the trail does not.
     * Null in the shadow itself.
     */
    private final MaskingRelay shadow;
    /** The audit version of the frame {@link #onFrame} returned last (upstream-to-client thread). */
    private Frame audited;
    private MaskingLineage lastLineage = MaskingLineage.NONE;
    private Charset charset;
    private MaskingShape shape;
    private ResultDescriptions.Described shapeFor;
    private boolean suppressing;
    /** A statement answered since the last ReadyForQuery read masked values: the server reports settings at 'Z'. */
    private boolean taintedUntilReady;
    /**
     * A statement answered in the open transaction read masked values: the server delivers the transaction's own
     * notifications (pg_notify inside a function or trigger) at its commit, after later, untainted statements.
     */
    private boolean taintedTransaction;

    MaskingRelay(GatewaySession guard, ColumnResolver resolver, List<BackendMessage.ParameterStatus> parameters,
                 SharedCatalogFacts factsSource, Conversation conversation) {
        this(guard, resolver, parameters, factsSource, conversation, false);
    }

    private MaskingRelay(GatewaySession guard, ColumnResolver resolver,
                         List<BackendMessage.ParameterStatus> parameters, SharedCatalogFacts factsSource,
                         Conversation conversation, boolean isShadow) {
        this.guard = guard;
        this.facts = factsSource;
        this.conversation = conversation;
        this.isShadow = isShadow;
        this.upstreamPlans = new PlanCache(!isShadow);
        this.clientPlans = new PlanCache(!isShadow);
        this.shadow = isShadow ? null
                : new MaskingRelay(guard, resolver, parameters, factsSource, conversation, true);
        this.resolver = resolver;
        this.lineages = new MaskingLineageTracker(factsSource, String.valueOf(guard.context().session()));
        this.copy = new MaskingCopy(resolver);
        this.charset = StandardCharsets.UTF_8;
        parameters.stream().filter(p -> p.name().equals("client_encoding")).forEach(p -> charset = charset(p.value()));
    }

    /** For a session relayed by {@link PostgresRelay}: names are looked up on a connection of Sluice's own. */
    static MaskingRelay forSession(GatewaySession guard, Dialer dialer,
                                   List<BackendMessage.ParameterStatus> parameters, Conversation conversation) {
        ColumnResolverCatalog catalog = new ColumnResolverCatalog(guard.grant(), dialer);
        return new MaskingRelay(guard, new ColumnResolver(catalog), parameters,
                new SharedCatalogFacts(catalog::factsRows), conversation);
    }

    // ---- client-to-upstream thread ----

    /**
     * The masking lineage of a Query's or Parse's {@code sql} about to be forwarded (which outputs are derived from
     * masked values; whether it must be refused, see {@link #screen}), for the caller and for the trail. The trail's
     * is read only while the caller is exempt from a rule; otherwise a statement prepared meanwhile counts as unsure
     * for the trail (fail closed) should a reload make the caller exempt later.
     */
    Conversation.Lineage lineage(String sql) {
        return facts.statement(() -> {
            lastLineage = lineages.read(sql, clientPlans.plan(guard));
            boolean exempt = clientPlans.plan(guard).rules().size() != shadow.clientPlans.plan(guard).rules().size();
            MaskingLineage trail = exempt ? shadow.lineages.read(sql, shadow.clientPlans.plan(guard))
                    : MaskingLineage.failClosed();
            return new Conversation.Lineage(lastLineage, trail);
        });
    }

    /** Whether the caller is exempt from a rule of the connection ({@code unless-groups}); upstream-to-client. */
    private boolean exempt() {
        return upstreamPlans.plan(guard).rules().size() != shadow.upstreamPlans.plan(guard).rules().size();
    }

    /**
     * {@code mapped} as judged for the statement whose {@link #lineage} was read last, refused when masking refuses it
     * for this caller (a masked value would leave through a path results masking does not see; see
     * {@link MaskingLineageRefusals}).
     */
    PostgresCommandMapper.Mapped screen(PostgresCommandMapper.Mapped mapped) {
        if (mapped.refusal().isPresent() || lastLineage.refusal().isEmpty()) {
            return mapped;
        }
        return new PostgresCommandMapper.Mapped(mapped.commands(),
                Optional.of("refused by Sluice masking: " + lastLineage.refusal().get()), mapped.notes(), List.of(),
                List.of());
    }

    /** Whether any masking rule or detector applies to this caller's results (client-to-upstream thread). */
    boolean masksResults() {
        return !clientPlans.plan(guard).isEmpty();
    }

    // ---- upstream-to-client thread ----

    /**
     * Called for every frame from upstream, in order; returns what to pass on: usually the frame itself (a row with
     * nothing to mask is the very same frame), its masked copy, an ErrorResponse in place of a refused result, or
     * null while the rest of a refused result is dropped. Never more than one frame, so nothing is allocated for it.
     */
    Frame onFrame(Frame frame) {
        Frame result = relay(frame);
        if (shadow != null) {
            audited = shadow.audit(frame, result, exempt());
        }
        return result;
    }

    /**
     * The frame {@link #onFrame} returned last as it may be written to the audit trail (recordings of result rows,
     * error texts): masked by every rule of the connection, whatever the caller's exemptions. Same message type as
     * the client's frame, so the audit accounting stays in step with what the client saw.
     */
    Frame audited() {
        return audited;
    }

    /** The shadow's answer to {@code frame}; {@code client} is what the caller receives (null: nothing). */
    private Frame audit(Frame frame, Frame client, boolean exempt) {
        if (!exempt || client == null) {
            if (suppressing && frame.type() == 'Z') {
                suppressing = false;
            } else if (!suppressing) {
                track(frame.type());
            }
            return client;
        }
        Frame result = relay(frame);
        if (result != null && result.type() == client.type() && (client.type() == 'D' || client.type() == 'E')) {
            return result;
        }
        // Fail closed: the shadow refused what the exempt caller received; the trail gets no value of it.
        return switch (client.type()) {
            case 'D' -> {
                byte[][] cells = new byte[((BackendMessage.DataRow) BackendMessage.decode(client)).values().length][];
                java.util.Arrays.fill(cells, "[REDACTED]".getBytes(StandardCharsets.US_ASCII));
                yield new BackendMessage.DataRow(cells).toFrame();
            }
            case 'E' -> frame.type() != 'E' ? client : BackendMessage.ErrorResponse.of("ERROR",
                    ((BackendMessage.ErrorResponse) BackendMessage.decode(client)).sqlState(), "[REDACTED]").toFrame();
            default -> client;
        };
    }

    private Frame relay(Frame frame) {
        if (suppressing) {
            track(frame.type());
            if (frame.type() == 'Z') {
                suppressing = false;
                return frame;
            }
            return null;
        }
        try {
            return mask(frame);
        } catch (MaskingRefusal refusal) {
            // Fail closed: the rest of this answer is dropped up to ReadyForQuery; the conversation still follows
            // it, so that names and descriptions stay in step with the server.
            LOG.warn("session {}: result refused: {}", guard.context().session(), refusal.getMessage());
            copy.end();
            suppressing = true;
            return BackendMessage.ErrorResponse.of("ERROR", PostgresErrors.INSUFFICIENT_PRIVILEGE,
                    "refused by Sluice masking: " + refusal.getMessage()).toFrame();
        }
    }

    /** What a frame not masked (withheld, or the shadow's while the caller is exempt from nothing) still means. */
    private void track(byte type) {
        switch (type) {
            case 'T', 'D', 'd', 'H', 'N', 'A', 'S' -> { }
            default -> endOfResult(type);
        }
    }

    /** How many values each rule masked since the last call: for the audit event of the statement just completed. */
    Map<String, Long> takeCounts() {
        return tally.take();
    }

    private Frame mask(Frame frame) throws MaskingRefusal {
        switch (frame.type()) {
            case 'D' -> {
                return row(frame);
            }
            case 'd' -> {
                return copy.row(frame, tally, charset);
            }
            case 'H' -> {
                copy.start((BackendMessage.CopyOutResponse) BackendMessage.decode(frame), conversation.simpleSql(),
                        upstreamPlans.plan(guard));
                return frame;
            }
            case 'E', 'N' -> {
                MaskingPlan plan = upstreamPlans.plan(guard);
                Frame result = plan.hasColumnRules() && conversation.lineage(isShadow).tainted()
                        ? MaskingErrors.maskDerived(frame, plan, tally)
                        : plan.hasDetectors() || plan.hasColumnRules() ? MaskingErrors.mask(frame, plan, tally) : frame;
                result = MaskingErrors.scrub(result, seen);
                endOfResult(frame.type());
                return result;
            }
            case 'A' -> {
                MaskingPlan plan = upstreamPlans.plan(guard);
                // a payload sent by database code during a tainted statement or transaction: redacted whole
                boolean derived = plan.hasColumnRules()
                        && (taintedUntilReady || taintedTransaction || conversation.lineage(isShadow).tainted());
                return MaskingErrors.scrub(plan.hasDetectors() || derived
                        ? MaskingErrors.maskNotification(frame, derived, plan, tally) : frame, seen);
            }
            case 'Z' -> {
                if (((BackendMessage.ReadyForQuery) BackendMessage.decode(frame)).status() == 'I') {
                    taintedTransaction = false; // the transaction ended: its notifications were delivered
                }
                endOfResult(frame.type());
                return frame;
            }
            case 'S' -> {
                BackendMessage.ParameterStatus status = (BackendMessage.ParameterStatus) BackendMessage.decode(frame);
                if (status.name().equals("client_encoding")) {
                    charset = charset(status.value());
                }
                MaskingPlan plan = upstreamPlans.plan(guard);
                if (plan.isEmpty() || PROTOCOL_SETTINGS.contains(status.name().toLowerCase(Locale.ROOT))) {
                    return frame;
                }
                // application_name and custom settings can be set to anything, set_config(.., card, ..) included
                boolean derived = plan.hasColumnRules()
                        && (taintedUntilReady || conversation.lineage(isShadow).tainted());
                String value = seen.scrub(MaskingErrors.maskStatus(status.value(), derived, plan, tally));
                return value == status.value() ? frame
                        : new BackendMessage.ParameterStatus(status.name(), value).toFrame();
            }
            case 'C' -> {
                String tag = ((BackendMessage.CommandComplete) BackendMessage.decode(frame)).tag();
                if (tag.startsWith("ALTER") || tag.startsWith("DROP") || tag.startsWith("CREATE")) {
                    resolver.clear(); // a column may have been renamed
                    lineages.stale(); // and a view or function made
                }
                endOfResult(frame.type());
                return frame;
            }
            default -> {
                endOfResult(frame.type());
                return frame;
            }
        }
    }

    private void endOfResult(byte type) {
        if (type == 'Z') {
            taintedUntilReady = false;
        } else if (type == 'C' || type == 'E' || type == 's' || type == 'I') {
            taintedUntilReady |= conversation.lineage(isShadow).tainted();
            taintedTransaction |= conversation.lineage(isShadow).tainted();
        }
        if (type == 'C' || type == 'E' || type == 'Z' || type == 'c') {
            copy.end();
        }
    }

    private Frame row(Frame frame) throws MaskingRefusal {
        MaskingPlan plan = upstreamPlans.plan(guard);
        if (plan.isEmpty()) {
            return frame;
        }
        Optional<ResultDescriptions.Described> described = conversation.rows();
        if (described.isEmpty()) {
            throw new MaskingRefusal("Sluice cannot tell which columns this result has (it was not described in"
                    + " this session), so it cannot mask it");
        }
        if (shape == null || shapeFor != described.get() || shape.plan != plan) {
            MaskingLineage lineage = described.get().lineage().of(isShadow);
            shape = MaskingShape.of(described.get().fields(), described.get().formats(), plan, resolver, lineage);
            for (var field : described.get().fields()) {
                if (field.tableOid() != 0 && !lineage.knownTables().isEmpty()
                        && !lineage.knownTables().contains(field.tableOid())) {
                    lineages.stale(); // a relation made since the facts were loaded: load them again
                }
            }
            shapeFor = described.get();
        }
        if (charset == null) {
            throw new MaskingRefusal("Sluice masks results only in the UTF8, SQL_ASCII and LATIN1 client encodings");
        }
        return RowMasker.mask(frame, shape, tally, charset, seen);
    }

    /** The Java charset of a PostgreSQL client encoding; null when masking cannot decode it. */
    static Charset charset(String encoding) {
        return switch (encoding.toUpperCase(Locale.ROOT)) {
            case "UTF8", "UNICODE" -> StandardCharsets.UTF_8;
            case "SQL_ASCII", "LATIN1" -> StandardCharsets.ISO_8859_1;
            default -> null;
        };
    }

    @Override
    public void close() {
        resolver.close(); // shared with the shadow
    }

    /** The plan for this session under the rules in force, rebuilt only when a reload changed the rules. */
    private static final class PlanCache {
        private final boolean callerGroups;
        private MaskingRules rules;
        private MaskingPlan plan = MaskingPlan.empty();

        PlanCache(boolean callerGroups) {
            this.callerGroups = callerGroups;
        }

        MaskingPlan plan(GatewaySession guard) {
            MaskingRules current = guard.state().masking();
            if (current != rules) {
                plan = current.plan(guard.grant().connection().name(),
                        callerGroups ? guard.grant().principal().groups() : java.util.Set.of());
                rules = current;
            }
            return plan;
        }
    }
}
