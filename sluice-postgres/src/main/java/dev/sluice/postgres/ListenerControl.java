package dev.sluice.postgres;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * What operating the PostgreSQL listener needs from its sessions, without touching the data path: draining (new
 * sessions are refused with FATAL 57P03 once {@link #drain()} was called; open sessions can be ended with FATAL
 * 57P01 through the same path an expired access grant takes) and counts of upstream connect failures.
 *
 * <p>Thread-safe: sessions register and unregister from their own threads while the server drains from another.
 */
public final class ListenerControl {
    /** The message a client gets when it connects while the gateway drains (SQLSTATE 57P03). */
    public static final String DRAINING_MESSAGE = "the gateway is shutting down";

    private final Set<Session> open = ConcurrentHashMap.newKeySet();
    private final List<Consumer<String>> upstreamFailureListeners = new CopyOnWriteArrayList<>();
    private volatile boolean draining;
    private volatile String endedWith = "";

    /** A fresh control: accepting, no sessions. */
    public ListenerControl() {
    }

    private record Session(Consumer<String> terminate) {
    }

    /** From now on new sessions are refused (FATAL 57P03); open ones go on. Idempotent. */
    public void drain() {
        draining = true;
    }

    public boolean draining() {
        return draining;
    }

    /** Sessions registered and not yet closed. */
    public int openSessions() {
        return open.size();
    }

    /**
     * Ends every open session with FATAL 57P01 {@code reason}, and every session that registers from now on too
     * (one that was past its startup when the drain deadline came).
     */
    public void endAll(String reason) {
        endedWith = reason;
        for (Session session : List.copyOf(open)) {
            session.terminate().accept(reason);
        }
    }

    /**
     * Registers a relayed session; {@code terminate} ends it with FATAL 57P01 and the given reason. Close the result
     * when the session ends. A session registering after {@link #endAll} is ended at once.
     */
    AutoCloseable register(Consumer<String> terminate) {
        Session session = new Session(terminate);
        open.add(session);
        String ended = endedWith;
        if (!ended.isEmpty()) {
            terminate.accept(ended);
        }
        return () -> open.remove(session);
    }

    /** Called with the connection name whenever opening an upstream connection fails. */
    public void onUpstreamFailure(Consumer<String> listener) {
        upstreamFailureListeners.add(listener);
    }

    void upstreamFailed(String connection) {
        for (Consumer<String> listener : upstreamFailureListeners) {
            try {
                listener.accept(connection);
            } catch (RuntimeException e) {
                // a counter must never break a session
            }
        }
    }
}
