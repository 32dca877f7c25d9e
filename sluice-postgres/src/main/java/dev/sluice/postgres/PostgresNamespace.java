package dev.sluice.postgres;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

import dev.sluice.core.policy.SqlCommand;
import dev.sluice.postgres.sql.PreparedRef;

/**
 * What one PostgreSQL session's server holds under each name, as the server's own answers make it true. There are two
 * namespaces, exactly as on the server: <b>statements</b> (protocol Parse and SQL {@code PREPARE} define them, Close
 * and {@code DEALLOCATE [ALL]} and {@code DISCARD ALL} drop them) and <b>portals</b> (protocol Bind and SQL
 * {@code DECLARE} define them; Close, {@code CLOSE [ALL]}, {@code DISCARD ALL} and the end of their transaction drop
 * them).
 *
 * <p>A change is {@link #register registered} when Sluice forwards the message that asks for it and stays
 * <em>pending</em> until the server's answer {@link #resolve resolves} it (ParseComplete, BindComplete, CloseComplete,
 * the CommandComplete of the statement, or an error / skip-to-Sync). While a change on a name is pending, the name
 * has several possible readings: what was confirmed, and every pending definition; {@link #statements} and
 * {@link #portals} return all of them, so that the caller judges the most dangerous one (fail closed). An empty list
 * means the server holds nothing Sluice knows under that name: refuse.
 *
 * <p>One exception makes the extended protocol exact: within one batch (the messages since the last Sync), the server
 * runs a message only if every earlier message of the batch succeeded (after an error it skips to Sync). So for a
 * message of the current batch, a change made earlier in the same batch is taken as done: the last one decides.
 * {@link #boundary} starts a new batch (at Sync and around each simple Query, whose errors skip nothing).
 *
 * <p>Used by two threads: the client-to-upstream thread registers and reads, the upstream-to-client thread resolves
 * and reports transaction ends. Every method takes {@link #lock}.
 */
final class PostgresNamespace {
    /** At most this many names (confirmed and pending) per namespace. */
    static final int MAX_NAMES = 10_000;

    enum Space { STATEMENT, PORTAL }

    /**
     * A prepared statement: its text, its commands as classified, the names it refers to when it runs, and the
     * parameter types Parse declared.
     */
    record Definition(String text, List<SqlCommand> commands, List<PreparedRef> refs, int[] parameterTypes) {
        Definition {
            commands = List.copyOf(commands);
            refs = List.copyOf(refs);
            parameterTypes = parameterTypes.clone();
        }
    }

    /**
     * A portal or SQL cursor: the possible statements it was bound to (several when the statement's name was
     * uncertain at Bind), its parameters as audited, and whether it survives the commit of its transaction.
     */
    record Portal(List<Definition> statements, List<String> parameters, boolean holdable) {
        Portal {
            statements = List.copyOf(statements);
            parameters = List.copyOf(parameters);
        }
    }

    /** One change to a namespace, as asked for by a message or statement Sluice forwarded. */
    sealed interface Change {
        /** Defines {@code name}; on the server this fails when a named entry exists, and replaces the unnamed one. */
        record DefineStatement(String name, Definition value) implements Change {
        }

        record DefinePortal(String name, Portal value) implements Change {
        }

        record Remove(Space space, String name) implements Change {
        }

        record RemoveAll(Space space) implements Change {
        }

        /** {@code SAVEPOINT}, {@code RELEASE} or {@code ROLLBACK TO} the savepoint {@code name}. */
        record Savepoint(PreparedRef.Action action, String name) implements Change {
        }
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final AtomicLong ids = new AtomicLong();
    private final Names<Definition> statements = new Names<>();
    private final Names<Portal> portals = new Names<>();
    /** Holdable cursors defined in the current transaction: a rollback removes them, a commit keeps them. */
    private final Set<String> freshHoldable = new HashSet<>();
    /** Portals already run once, with the statement id of that run: a later fetch continues the same run. */
    private final Map<String, Long> ran = new HashMap<>();
    /** An error was answered since the last transaction end: an implicit end is a rollback. */
    private boolean failed;
    /** Changes with a greater id belong to the current batch. */
    private long batchStart;
    /** The savepoints of the transaction, outermost first; pending savepoint changes by id. */
    private final List<String> savepoints = new ArrayList<>();
    private final Map<Long, Change.Savepoint> pendingSavepoints = new HashMap<>();
    /** How many savepoints were set when each confirmed portal was defined: ROLLBACK TO closes the later ones. */
    private final Map<String, Integer> depth = new HashMap<>();
    /** A ROLLBACK TO just took effect: the {@code ROLLBACK} tag that follows is its own, not a transaction end. */
    private boolean rolledBackToSavepoint;

    /** One namespace: confirmed entries and pending changes in the order they were sent. */
    private static final class Names<T> {
        final Map<String, T> confirmed = new HashMap<>();
        final Map<Long, Pending<T>> pending = new LinkedHashMap<>();
    }

    /** A pending change: {@code all} drops every name; an empty value drops {@code name}. */
    private record Pending<T>(String name, boolean all, Optional<T> value) {
    }

    /** Every statement {@code name} may hold now; empty when Sluice knows of none. */
    List<Definition> statements(String name) {
        return readings(statements, name);
    }

    /** Every portal {@code name} may hold now; empty when Sluice knows of none. */
    List<Portal> portals(String name) {
        return readings(portals, name);
    }

    private <T> List<T> readings(Names<T> names, String name) {
        lock.lock();
        try {
            List<T> result = new ArrayList<>();
            T current = names.confirmed.get(name);
            if (current != null) {
                result.add(current);
            }
            boolean inBatch = false;
            Optional<T> batchValue = Optional.empty();
            for (Map.Entry<Long, Pending<T>> entry : names.pending.entrySet()) {
                Pending<T> change = entry.getValue();
                if (!change.all() && !change.name().equals(name)) {
                    continue;
                }
                if (entry.getKey() > batchStart) {
                    inBatch = true;
                    batchValue = change.all() ? Optional.empty() : change.value();
                } else if (change.value().isPresent() && !result.contains(change.value().get())) {
                    result.add(change.value().get());
                }
            }
            return inBatch ? batchValue.map(List::of).orElse(List.of()) : result;
        } finally {
            lock.unlock();
        }
    }

    /** Whether a definition of {@code space} would exceed {@link #MAX_NAMES}. */
    boolean full(Space space) {
        lock.lock();
        try {
            Names<?> names = space == Space.STATEMENT ? statements : portals;
            return names.confirmed.size() + names.pending.size() >= MAX_NAMES;
        } finally {
            lock.unlock();
        }
    }

    /** The client ends a batch (Sync) or sends a simple Query: changes registered so far are no longer certain. */
    void boundary() {
        lock.lock();
        try {
            batchStart = ids.get();
        } finally {
            lock.unlock();
        }
    }

    /** Registers a change Sluice is forwarding; returns its id for {@link #resolve}. */
    long register(Change change) {
        long result = ids.incrementAndGet();
        lock.lock();
        try {
            switch (change) {
                case Change.DefineStatement d -> statements.pending.put(result,
                        new Pending<>(d.name(), false, Optional.of(d.value())));
                case Change.DefinePortal d -> {
                    portals.pending.put(result, new Pending<>(d.name(), false, Optional.of(d.value())));
                    ran.remove(d.name());
                }
                case Change.Remove r -> {
                    names(r.space()).pending.put(result, new Pending<>(r.name(), false, Optional.empty()));
                    if (r.space() == Space.PORTAL) {
                        ran.remove(r.name());
                    }
                }
                case Change.RemoveAll r -> names(r.space()).pending.put(result, new Pending<>("", true,
                        Optional.empty()));
                case Change.Savepoint savepoint -> pendingSavepoints.put(result, savepoint);
            }
            return result;
        } finally {
            lock.unlock();
        }
    }

    @SuppressWarnings("unchecked")
    private <T> Names<T> names(Space space) {
        return (Names<T>) (space == Space.STATEMENT ? statements : portals);
    }

    /** The server answered the change {@code id}: {@code done} when it took effect, false when it failed or was skipped. */
    void resolve(long id, boolean done) {
        lock.lock();
        try {
            resolve(statements, id, done, false);
            resolve(portals, id, done, true);
            Change.Savepoint savepoint = pendingSavepoints.remove(id);
            if (savepoint != null && done) {
                savepoint(savepoint);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * The server refused the change {@code id} itself (not skipped it): as {@link #resolve(long, boolean)} with
     * false, except that a Parse of the unnamed statement drops the old unnamed statement before it parses, so the
     * unnamed statement is gone.
     */
    void refused(long id) {
        lock.lock();
        try {
            Pending<Definition> change = statements.pending.get(id);
            if (change != null && !change.all() && change.name().isEmpty() && change.value().isPresent()) {
                statements.pending.put(id, new Pending<>("", false, Optional.empty()));
                resolve(statements, id, true, false);
                return;
            }
            resolve(id, false);
        } finally {
            lock.unlock();
        }
    }

    private <T> void resolve(Names<T> names, long id, boolean done, boolean isPortal) {
        Pending<T> change = names.pending.remove(id);
        if (change == null || !done) {
            return;
        }
        if (change.all()) {
            names.confirmed.clear();
            if (isPortal) {
                ran.clear();
                freshHoldable.clear();
            }
        } else if (change.value().isPresent()) {
            names.confirmed.put(change.name(), change.value().get());
            if (isPortal) {
                depth.put(change.name(), savepoints.size());
            }
            if (isPortal && ((Portal) change.value().get()).holdable()) {
                freshHoldable.add(change.name());
            }
        } else {
            names.confirmed.remove(change.name());
            if (isPortal) {
                ran.remove(change.name());
                freshHoldable.remove(change.name());
            }
        }
    }

    /** Mirrors the server's savepoint stack; a ROLLBACK TO closes every portal defined since that savepoint. */
    private void savepoint(Change.Savepoint change) {
        if (change.action() == PreparedRef.Action.SAVEPOINT) {
            savepoints.add(change.name());
            return;
        }
        int index = savepoints.lastIndexOf(change.name());
        if (index < 0) {
            return; // the server answered the name: Sluice missed the SAVEPOINT, keep what it has (never less safe)
        }
        if (change.action() == PreparedRef.Action.RELEASE) {
            savepoints.subList(index, savepoints.size()).clear();
            depth.replaceAll((name, d) -> Math.min(d, index));
        } else {
            savepoints.subList(index + 1, savepoints.size()).clear();
            List<String> closed = depth.entrySet().stream().filter(e -> e.getValue() > index).map(Map.Entry::getKey)
                    .toList();
            closed.forEach(name -> {
                portals.confirmed.remove(name);
                depth.remove(name);
                ran.remove(name);
                freshHoldable.remove(name);
            });
            rolledBackToSavepoint = true;
        }
    }

    /** The portal was run (its statement judged and forwarded) as statement {@code statementId}. */
    void ran(String portal, long statementId) {
        lock.lock();
        try {
            ran.put(portal, statementId);
        } finally {
            lock.unlock();
        }
    }

    /**
     * The statement id of the portal's first run, when it ran before and Sluice knows exactly what it holds (one
     * confirmed reading, nothing pending): a later fetch only continues that run.
     */
    OptionalLong ranAs(String portal) {
        lock.lock();
        try {
            Long id = ran.get(portal);
            if (id == null || readings(portals, portal).size() != 1
                    || portals.pending.values().stream().anyMatch(p -> p.all() || p.name().equals(portal))) {
                return OptionalLong.empty();
            }
            return OptionalLong.of(id);
        } finally {
            lock.unlock();
        }
    }

    /** The server answered an error: the transaction in progress, if any, will roll back. */
    void failed() {
        lock.lock();
        try {
            failed = true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * A CommandComplete tag: {@code COMMIT}, {@code ROLLBACK} and {@code PREPARE TRANSACTION} end the transaction,
     * except the {@code ROLLBACK} tag of a {@code ROLLBACK TO SAVEPOINT} that just took effect (called after the
     * statement's own changes are resolved).
     */
    void completed(String tag) {
        lock.lock();
        try {
            boolean ownRollback = rolledBackToSavepoint;
            rolledBackToSavepoint = false;
            switch (tag) {
                case "COMMIT" -> transactionEnded(true);
                case "ROLLBACK" -> {
                    if (!ownRollback) {
                        transactionEnded(false);
                    }
                }
                case "PREPARE TRANSACTION" -> transactionEnded(false);
                default -> { }
            }
        } finally {
            lock.unlock();
        }
    }

    /** ReadyForQuery: idle ends any implicit transaction, committed unless an error was answered in it. */
    void ready(byte status) {
        if (status == 'I') {
            lock.lock();
            try {
                transactionEnded(!failed);
            } finally {
                lock.unlock();
            }
        }
    }

    /** The end of a transaction closes every portal but holdable cursors, and those too when it rolled back. */
    private void transactionEnded(boolean committed) {
        lock.lock();
        try {
            if (!committed) {
                freshHoldable.forEach(portals.confirmed::remove);
            }
            freshHoldable.clear();
            portals.confirmed.values().removeIf(portal -> !portal.holdable());
            ran.keySet().retainAll(portals.confirmed.keySet());
            depth.keySet().retainAll(portals.confirmed.keySet());
            depth.replaceAll((name, d) -> 0);
            savepoints.clear();
            failed = false;
        } finally {
            lock.unlock();
        }
    }
}
