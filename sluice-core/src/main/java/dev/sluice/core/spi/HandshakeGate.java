package dev.sluice.core.spi;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The budget of connections that have not authenticated yet, kept apart from the authenticated sessions: at most
 * {@code maxHandshakes} at once, at most {@code maxPerAddress} of them from one client address, and each with at most
 * {@code deadline} from accept to its password message, whatever it sends (a byte every few seconds does not extend
 * it). When the deadline passes the socket is closed from the deadline thread, which unblocks the session's read or
 * TLS handshake. The place is kept until the token is judged, then given back.
 *
 * <p>Thread-safe: {@link #tryEnter} runs on the accept thread, {@link Permit#close} on session threads, deadlines on
 * one platform daemon thread. The counts are guarded by one lock, held only for map updates.
 */
public final class HandshakeGate implements AutoCloseable {
    private final int maxHandshakes;
    private final int maxPerAddress;
    private final Duration deadline;
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<InetAddress, Integer> perAddress = new HashMap<>();
    private final ScheduledThreadPoolExecutor timer;
    private int total;

    public HandshakeGate(int maxHandshakes, int maxPerAddress, Duration deadline) {
        this.maxHandshakes = maxHandshakes;
        this.maxPerAddress = maxPerAddress;
        this.deadline = deadline;
        this.timer = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread result = new Thread(runnable, "sluice-handshake-deadline");
            result.setDaemon(true);
            return result;
        });
        timer.setRemoveOnCancelPolicy(true);
    }

    /** Why a connection got no permit: the wording is shown to the client. */
    public enum Refusal {
        TOTAL("too many connections are authenticating with Sluice; try again shortly"),
        ADDRESS("too many connections from your address are authenticating with Sluice; try again shortly");

        public final String message;

        Refusal(String message) {
            this.message = message;
        }
    }

    /** A permit for the accepted {@code socket}, its deadline armed; {@link Refused} says why there is none. */
    public Permit tryEnter(Socket socket) throws Refused {
        InetAddress address = socket.getInetAddress();
        lock.lock();
        try {
            if (total >= maxHandshakes) {
                throw new Refused(Refusal.TOTAL);
            }
            int mine = perAddress.getOrDefault(address, 0);
            if (mine >= maxPerAddress) {
                throw new Refused(Refusal.ADDRESS);
            }
            perAddress.put(address, mine + 1);
            total++;
        } finally {
            lock.unlock();
        }
        Permit result = new Permit(address, socket);
        result.arm();
        return result;
    }

    /** Closes {@code socket} after {@code delay} unless the returned future is cancelled first. */
    public ScheduledFuture<?> closeLater(Socket socket, Duration delay) {
        return timer.schedule(() -> {
            try {
                socket.close();
            } catch (IOException e) {
                // closed anyway
            }
        }, delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Connections holding a permit now (for tests and metrics). */
    public int inHandshake() {
        lock.lock();
        try {
            return total;
        } finally {
            lock.unlock();
        }
    }

    /** Deadlines waiting to fire (for tests: a finished handshake leaves none behind). */
    public int pendingDeadlines() {
        return timer.getQueue().size();
    }

    private void release(InetAddress address) {
        lock.lock();
        try {
            total--;
            perAddress.computeIfPresent(address, (a, n) -> n > 1 ? n - 1 : null);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }

    /** No permit: the budget is spent. */
    public static final class Refused extends Exception {
        public final Refusal refusal;

        Refused(Refusal refusal) {
            super(refusal.message, null, false, false);
            this.refusal = refusal;
        }
    }

    /**
     * One connection's place in the handshake budget. {@link #close} (idempotent) gives the place back and disarms the
     * deadline: call it once the client has authenticated, and in any case when the connection ends.
     */
    public final class Permit implements AutoCloseable {
        private final InetAddress address;
        private final Socket socket;
        private final AtomicBoolean released = new AtomicBoolean();
        private final AtomicBoolean expired = new AtomicBoolean();
        private volatile ScheduledFuture<?> timeout;

        private Permit(InetAddress address, Socket socket) {
            this.address = address;
            this.socket = socket;
        }

        private void arm() {
            timeout = timer.schedule(this::expire, deadline.toMillis(), TimeUnit.MILLISECONDS);
        }

        private void expire() {
            if (released.get()) {
                return;
            }
            expired.set(true);
            // Fail closed: a client still unauthenticated at the deadline loses its connection, whatever it is
            // doing (a slow-loris startup packet, a stalled TLS handshake, a password that never comes).
            try {
                socket.close();
            } catch (IOException e) {
                // closed anyway
            }
        }

        /** Whether the deadline closed the connection. */
        public boolean expired() {
            return expired.get();
        }

        public Duration deadline() {
            return deadline;
        }

        /**
         * The client has done its part (the password message is in): stop its clock, keep its place. What follows
         * (verifying the token, perhaps fetching the issuer's keys) is Sluice's own work, bounded by its own timeouts.
         */
        public void clientDone() {
            ScheduledFuture<?> armed = timeout;
            if (armed != null) {
                armed.cancel(false);
            }
        }

        @Override
        public void close() {
            if (!released.compareAndSet(false, true)) {
                return;
            }
            ScheduledFuture<?> armed = timeout;
            if (armed != null) {
                armed.cancel(false);
            }
            release(address);
        }
    }
}
