package dev.sluice.postgres;

import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

import dev.sluice.core.approval.HoldWatch;
import dev.sluice.postgres.wire.BackendMessage;
import dev.sluice.postgres.wire.FrameWriter;

/**
 * The PostgreSQL side of a statement held for approval: tells the client at once with a NoticeResponse (flushed, so
 * psql prints it while it waits), and reports a client that disconnected or sent a CancelRequest. Used from the
 * relay's client-to-upstream thread; the flags it reads are set by other threads.
 */
final class PostgresHold implements HoldWatch {
    private final ReentrantLock clientLock;
    private final FrameWriter clientWriter;
    private final ClientReadAhead readAhead;
    private final BooleanSupplier cancelled;

    PostgresHold(ReentrantLock clientLock, FrameWriter clientWriter, ClientReadAhead readAhead,
                 BooleanSupplier cancelled) {
        this.clientLock = clientLock;
        this.clientWriter = clientWriter;
        this.readAhead = readAhead;
        this.cancelled = cancelled;
    }

    @Override
    public void waiting(String message) {
        clientLock.lock();
        try {
            clientWriter.write(BackendMessage.NoticeResponse.of("NOTICE", "01000", message));
            clientWriter.flush();
        } catch (IOException e) {
            // the client is gone: the read-ahead reports it
        } finally {
            clientLock.unlock();
        }
    }

    @Override
    public Optional<String> abandoned() {
        if (cancelled.getAsBoolean()) {
            return Optional.of("cancelled by the client");
        }
        return readAhead.clientGone() ? Optional.of("the client disconnected") : Optional.empty();
    }
}
