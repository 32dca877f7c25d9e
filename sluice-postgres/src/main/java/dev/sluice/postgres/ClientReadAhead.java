package dev.sluice.postgres;

import java.io.EOFException;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

import dev.sluice.postgres.wire.Frame;
import dev.sluice.postgres.wire.FrameReader;
import dev.sluice.postgres.wire.WireException;

/**
 * Reads the client's next frames on a virtual thread of its own while the relay's client-to-upstream thread is
 * blocked waiting for an approval, so that a client that disconnects (EOF, or Terminate) is noticed during the wait,
 * and whatever the client pipelines meanwhile is kept, in order.
 *
 * <p>Only one thread ever reads the client stream: this reader until it hands the stream back. After the hold it
 * finishes the read it is blocked in (the client's next message), queues it, sees {@link #release} and stops; the
 * relay takes frames from {@link #next} until the hand-back marker, then reads the stream itself again. The queue is
 * bounded ({@link #CAPACITY} frames; each frame is bounded by the reader's limit): a client that pipelines more
 * simply waits.
 */
final class ClientReadAhead {
    static final int CAPACITY = 256;

    private sealed interface Item {
    }

    private record Data(Frame frame) implements Item {
    }

    private record Failed(Exception error) implements Item {
    }

    private enum HandBack implements Item { INSTANCE }

    private final BlockingQueue<Item> queue = new ArrayBlockingQueue<>(CAPACITY);
    private volatile boolean released;
    private volatile boolean gone;

    private ClientReadAhead() {
    }

    /** Starts reading ahead from {@code reader}, which the caller must not read until {@link #next} is empty. */
    static ClientReadAhead start(FrameReader reader) {
        ClientReadAhead result = new ClientReadAhead();
        Thread.ofVirtual().name("sluice-pg-readahead").start(() -> result.run(reader));
        return result;
    }

    private void run(FrameReader reader) {
        try {
            while (true) {
                Frame frame = reader.read();
                if (frame.type() == 'X') {
                    gone = true;
                }
                queue.put(new Data(frame));
                if (released || gone) {
                    break;
                }
            }
            queue.put(HandBack.INSTANCE);
        } catch (IOException | WireException e) {
            gone = true;
            putQuietly(new Failed(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            gone = true;
            putQuietly(new Failed(new EOFException("interrupted")));
        }
    }

    private void putQuietly(Item item) {
        try {
            queue.put(item);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether the client closed its connection or said Terminate. */
    boolean clientGone() {
        return gone;
    }

    /** The hold is over: stop after the frame being read now. */
    void release() {
        released = true;
    }

    /** Whether a client frame is queued next (the hand-back marker is not one: nothing more to relay now). */
    boolean hasQueued() {
        return queue.peek() instanceof Data;
    }

    /**
     * The next frame read ahead; empty once the reader has handed the stream back (read it directly again).
     * Rethrows the read's failure (EOF, I/O, malformed frame) at the point where the relay would have seen it.
     */
    Optional<Frame> next() throws IOException {
        Item item;
        try {
            item = queue.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EOFException("interrupted");
        }
        return switch (item) {
            case Data data -> Optional.of(data.frame());
            case HandBack handBack -> Optional.empty();
            case Failed failed when failed.error() instanceof IOException io -> throw io;
            case Failed failed -> throw (WireException) failed.error();
        };
    }
}
