package dev.sluice.core.session;

import java.time.Clock;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sluice.core.access.GatewayState;
import dev.sluice.core.access.TargetGrant;
import dev.sluice.core.approval.ApprovalGate;
import dev.sluice.core.audit.AuditLog;
import dev.sluice.core.audit.AuditWriteException;

/**
 * The gateway's sessions, whatever their protocol: the session cap and its refusal, drain, the live-session registry
 * and the start of every {@link GatewaySession}. One per gateway, shared by every protocol listener.
 *
 * <pre>
 *   AccessFlow.authorize ─► TargetGrant ─► admit(grant) ─► Slot ─► slot.start(SessionStart) ─► GatewaySession
 *                                          (cap, drain)          (session.start audited,      submit / completed
 *                                                                 registered, watched)        ... end(reason)
 * </pre>
 *
 * <p>Thread-safe: sessions start and end on their own threads while operators list, kill and drain from others.
 */
public final class SessionService {
    private static final Logger LOG = LoggerFactory.getLogger(SessionService.class);
    /** What a client is told when it connects while the gateway drains, and when a drain ends its session. */
    public static final String DRAINING_MESSAGE = "the gateway is shutting down";

    private final Supplier<GatewayState> state;
    private final AuditLog audit;
    private final Clock clock;
    private final ApprovalGate approvals;
    private final int maxSessions;
    private final Semaphore slots;
    private final Map<String, GatewaySession> live = new ConcurrentHashMap<>();
    private final List<Consumer<String>> upstreamFailureListeners = new CopyOnWriteArrayList<>();
    private volatile boolean draining;
    private volatile String endedWith = "";

    /**
     * @param maxSessions the cap on granted sessions across every protocol ({@code limits.max-sessions})
     * @param approvals   where held commands wait ({@link ApprovalGate#disabled()}: a hold is a refusal)
     */
    public SessionService(Supplier<GatewayState> state, AuditLog audit, Clock clock, ApprovalGate approvals,
                          int maxSessions) {
        this.state = state;
        this.audit = audit;
        this.clock = clock;
        this.approvals = approvals;
        this.maxSessions = maxSessions;
        this.slots = new Semaphore(maxSessions);
    }

    /**
     * Takes a session slot for a granted caller. Fail closed: over the cap the caller is refused, never queued; while
     * the gateway drains nobody gets a new session.
     */
    public Slot admit(TargetGrant grant) {
        if (draining) {
            throw new SessionRefusedException(SessionRefusedException.Reason.DRAINING, DRAINING_MESSAGE);
        }
        if (!slots.tryAcquire()) {
            LOG.warn("session {}: refused, all {} session slots are taken", grant.context().session(), maxSessions);
            throw new SessionRefusedException(SessionRefusedException.Reason.CAPACITY,
                    "sorry, too many clients already connected to Sluice");
        }
        return new Slot(grant);
    }

    /**
     * A granted caller's place: held from {@link #admit} until its session ends (or until {@link #close} when it
     * never starts one). Not thread-safe: used by the session's own thread.
     */
    public final class Slot implements AutoCloseable {
        private final TargetGrant grant;
        private final AtomicBoolean held = new AtomicBoolean(true);
        private boolean started;

        private Slot(TargetGrant grant) {
            this.grant = grant;
        }

        /** What the protocol's recorder needs, under the configuration in force now. */
        public RecordingContext recording() {
            return new RecordingContext(grant.context(), audit, clock, state.get().recording());
        }

        /**
         * Starts the session: records {@code session.start} (fail closed: a session that cannot be audited does not
         * start) and registers it. The slot now belongs to the session, freed by {@link GatewaySession#end}.
         */
        public GatewaySession start(SessionStart start) {
            GatewaySession result = new GatewaySession(grant, start, SessionService.this, this::release);
            try {
                result.recordStart();
            } catch (AuditWriteException e) {
                LOG.error("session {}: audit write failed", grant.context().session(), e);
                throw new SessionRefusedException(SessionRefusedException.Reason.AUDIT,
                        "Sluice cannot record this session in its audit trail; refused", e);
            }
            started = true;
            live.put(result.context().session().toString(), result);
            String ended = endedWith;
            if (!ended.isEmpty()) {
                result.terminate(ended); // registered after a drain's deadline: ended at once
            }
            return result;
        }

        private void release() {
            if (held.compareAndSet(true, false)) {
                slots.release();
            }
        }

        /** Frees the slot unless a session started on it (then the session frees it when it ends). */
        @Override
        public void close() {
            if (!started) {
                release();
            }
        }
    }

    /** Open sessions, oldest first. */
    public List<LiveSession> list() {
        return live.values().stream().map(GatewaySession::live)
                .sorted(Comparator.comparing(LiveSession::started)).toList();
    }

    /** One open session. */
    public Optional<GatewaySession> find(String id) {
        return Optional.ofNullable(live.get(id));
    }

    /**
     * Ends an open session on an operator's word: the client is told in its protocol, and {@code session.end} says
     * who ended it and why. False when no such session is open.
     */
    public boolean kill(String id, String endedBy, String reason) {
        GatewaySession session = live.get(id);
        if (session == null) {
            return false;
        }
        String why = "ended by " + endedBy + (reason.isBlank() ? "" : ": " + reason);
        LOG.info("session {}: {}", id, why);
        session.terminate(why); // its session.end records why
        return true;
    }

    /** Sessions open now. */
    public int openSessions() {
        return live.size();
    }

    /** Slots taken now (sessions, and callers between their grant and their start). */
    public int slotsInUse() {
        return maxSessions - slots.availablePermits();
    }

    /** From now on new sessions are refused; open ones go on. Idempotent. */
    public void drain() {
        draining = true;
    }

    public boolean draining() {
        return draining;
    }

    /** Ends every open session with {@code reason}, and every one that starts from now on too. */
    public void endAll(String reason) {
        endedWith = reason;
        for (GatewaySession session : List.copyOf(live.values())) {
            session.terminate(reason);
        }
    }

    /** Called with the connection name whenever opening an upstream connection fails (metrics). */
    public void onUpstreamFailure(Consumer<String> listener) {
        upstreamFailureListeners.add(listener);
    }

    /** A protocol could not reach a connection's target. */
    public void upstreamFailed(String connection) {
        for (Consumer<String> listener : upstreamFailureListeners) {
            try {
                listener.accept(connection);
            } catch (RuntimeException e) {
                // a counter must never break a session
            }
        }
    }

    void unregister(GatewaySession session) {
        live.remove(session.context().session().toString(), session);
    }

    Supplier<GatewayState> state() {
        return state;
    }

    AuditLog audit() {
        return audit;
    }

    Clock clock() {
        return clock;
    }

    ApprovalGate approvals() {
        return approvals;
    }
}
