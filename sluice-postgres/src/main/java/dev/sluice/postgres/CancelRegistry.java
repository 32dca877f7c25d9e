package dev.sluice.postgres;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.security.SecureRandom;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import dev.sluice.core.access.TargetGrant;
import dev.sluice.core.spi.Dialer;
import dev.sluice.postgres.wire.BackendMessage.BackendKeyData;
import dev.sluice.postgres.wire.FrameWriter;
import dev.sluice.postgres.wire.FrontendMessage.CancelRequest;

/**
 * Maps the BackendKeyData Sluice hands each client to the upstream backend serving it, so that a client's
 * CancelRequest cancels the right upstream query and the upstream key never reaches the client. Thread-safe.
 */
public final class CancelRegistry {
    private final SecureRandom random = new SecureRandom();
    private final Dialer dialer;
    private final Map<Long, Target> targets = new ConcurrentHashMap<>();
    private final Map<Long, Runnable> listeners = new ConcurrentHashMap<>();

    record Target(TargetGrant grant, int processId, int secretKey, int clientSecret) {
    }

    /** @param dialer opens the connection that carries a cancel upstream */
    public CancelRegistry(Dialer dialer) {
        this.dialer = dialer;
    }

    /** Registers an upstream backend and returns the key to give the client. */
    BackendKeyData register(TargetGrant grant, BackendKeyData upstream) {
        while (true) {
            int pid = random.nextInt(1, Integer.MAX_VALUE);
            int secret = random.nextInt();
            if (targets.putIfAbsent((long) pid, new Target(grant, upstream.processId(), upstream.secretKey(),
                    secret)) == null) {
                return new BackendKeyData(pid, secret);
            }
        }
    }

    void unregister(BackendKeyData clientKey) {
        targets.remove((long) clientKey.processId());
        listeners.remove((long) clientKey.processId());
    }

    /** Also tells {@code listener} (the session's relay) when a matching cancel arrives: it may hold a statement. */
    void listen(BackendKeyData clientKey, Runnable listener) {
        listeners.put((long) clientKey.processId(), listener);
    }

    /** Sends the matching upstream CancelRequest; a key that does not match exactly is ignored, as PostgreSQL does. */
    boolean cancel(CancelRequest request) {
        Optional<Target> target = Optional.ofNullable(targets.get((long) request.processId()))
                .filter(t -> t.clientSecret() == request.secretKey());
        if (target.isEmpty()) {
            return false;
        }
        Target t = target.get();
        Optional.ofNullable(listeners.get((long) request.processId())).ifPresent(Runnable::run);
        try (Socket socket = dialer.dial(t.grant(), "cancel")) {
            socket.setSoTimeout(5_000);
            FrameWriter writer = new FrameWriter(new BufferedOutputStream(socket.getOutputStream()));
            writer.write(new CancelRequest(t.processId(), t.secretKey()));
            writer.flush();
            socket.shutdownOutput();
            socket.getInputStream().read(); // the server closes after reading the request
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
