package dev.sluice.relay;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import io.grpc.stub.CallStreamObserver;

/**
 * A byte stream over one gRPC bidirectional stream, with gRPC's own flow control both ways and bounded memory:
 * inbound, at most {@link #WINDOW} messages are requested ahead of the reader (a reader that stops reading stops
 * the sender: gRPC and HTTP/2 hold back, down to the sender's TCP window); outbound, a writer waits while the stream
 * is not ready, so a peer that stops reading blocks the writer instead of growing a buffer.
 *
 * <p>Threads: one reader and one writer at a time (a connection's two directions); gRPC's callbacks arrive on the
 * transport's own thread (a direct executor: {@link #received}, {@link #completed}, {@link #fail} and the ready
 * signal never block, and {@link #onBroken} hooks must hand blocking work to another thread). Every call on the
 * outbound observer happens under {@link #lock}, held only for the call itself.
 */
final class ByteTunnel {
    /** Messages requested ahead of the reader: the inbound bound is WINDOW x {@link RelayWire#CHUNK}. */
    static final int WINDOW = 8;
    /**
     * The reader asks for more once this many were consumed: each request is a task on gRPC's transport thread, so
     * asking per message would double the transport's work on a chatty stream; the bound stays WINDOW.
     */
    static final int REFILL = WINDOW / 2;

    private final LinkedBlockingQueue<Object> inbound = new LinkedBlockingQueue<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition ready = lock.newCondition();
    private final AtomicLong bytesIn = new AtomicLong();
    private final AtomicLong bytesOut = new AtomicLong();
    private final String name;
    private CallStreamObserver<byte[]> out;
    private Runnable cancel = () -> { };
    private volatile int timeoutMillis;
    private volatile boolean closed;
    private volatile boolean ended;
    private boolean outputDone;
    private final java.util.concurrent.atomic.AtomicReference<String> broken =
            new java.util.concurrent.atomic.AtomicReference<>();
    private volatile java.util.function.Consumer<String> onBroken = reason -> { };
    private final Input input = new Input();
    private final Output output = new Output();

    /** @param name what the stream is, for messages ({@code relay r-1 tunnel 7}) */
    ByteTunnel(String name) {
        this.name = name;
    }

    /** The end of a stream: normal ({@code error} empty) or failed. */
    private record End(String error) {
    }

    /**
     * Connects the outbound side; call before the call starts (client: {@code beforeStart}; server: in the method
     * handler), with inbound flow control already manual. {@code cancel} aborts the call.
     */
    void attach(CallStreamObserver<byte[]> observer, Runnable cancelCall) {
        lock.lock();
        try {
            this.out = observer;
            this.cancel = cancelCall;
            observer.setOnReadyHandler(this::signalReady);
        } finally {
            lock.unlock();
        }
    }

    /** Asks gRPC for the first window of messages. */
    void start() {
        request(WINDOW);
    }

    private void signalReady() {
        lock.lock();
        try {
            ready.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void request(int count) {
        lock.lock();
        try {
            if (!closed) {
                out.request(count);
            }
        } finally {
            lock.unlock();
        }
    }

    /** gRPC delivered a message (never more than requested); an empty one is the peer's half-close. */
    void received(byte[] data) {
        if (data.length == 0) {
            completed();
            return;
        }
        if (data.length > RelayWire.MAX_MESSAGE) {
            fail("message too large (expected: <= " + RelayWire.MAX_MESSAGE + " bytes)");
            close();
            return;
        }
        bytesIn.addAndGet(data.length);
        inbound.add(data);
    }

    /**
     * The stream failed: the {@link #onBroken} hook runs first (unless this side closed it), then the reader gets an
     * {@link IOException} with this reason once it has read what came.
     */
    void fail(String reason) {
        // after the peer's end-of-stream the connection ends anyway: a cancel then is no break
        if (!closed && !ended && broken.compareAndSet(null, reason)) {
            // the hook may block (ending a session writes to its client and audits) and this runs on gRPC's
            // transport thread: run it on a virtual thread, and give the reader its end only after the hook, so
            // that the session's own error reaches the client before the stream's end does
            java.util.function.Consumer<String> hook = onBroken;
            Thread.ofVirtual().name("sluice-tunnel-broken").start(() -> {
                runHook(hook, reason);
                inbound.add(new End(reason));
                signalReady();
            });
            return;
        }
        if (broken.get() != null) {
            // a failure came first (the control stream's loss, the call's cancel and its error all report one):
            // its thread gives the reader the end after its hook; an end queued here could overtake the hook
            return;
        }
        inbound.add(new End(reason));
        signalReady();
    }

    /** What to do when the peer's side breaks (not when this side closes); runs at once if it already broke. */
    void onBroken(java.util.function.Consumer<String> hook) {
        onBroken = hook;
        String reason = broken.get();
        if (reason != null) {
            runHook(hook, reason);
        }
    }

    private static void runHook(java.util.function.Consumer<String> hook, String reason) {
        try {
            hook.accept(reason);
        } catch (RuntimeException e) {
            // the hook's own failure must not keep the reader waiting
        }
    }

    /** The peer finished sending: the reader gets end-of-stream once it has read what came. */
    void completed() {
        ended = true;
        inbound.add(new End(""));
    }

    InputStream input() {
        return input;
    }

    OutputStream output() {
        return output;
    }

    void timeout(int millis) {
        timeoutMillis = millis;
    }

    int timeout() {
        return timeoutMillis;
    }

    long bytesIn() {
        return bytesIn.get();
    }

    long bytesOut() {
        return bytesOut.get();
    }

    boolean isClosed() {
        return closed;
    }

    /**
     * Half-closes: the peer reads end-of-stream; reading goes on. Sent in band, as an empty message: a gRPC server
     * cannot half-close (its {@code onCompleted} ends the whole call), and data messages are never empty.
     */
    void shutdownOutput() {
        lock.lock();
        try {
            if (!outputDone && !closed) {
                outputDone = true;
                out.onNext(new byte[0]);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Ends the stream normally, after {@link #shutdownOutput}: a client completes its side (what it sent, including
     * the in-band end-of-stream, still arrives; a cancel could discard it), the reader gets end-of-stream.
     */
    void finish() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            ready.signalAll();
            out.onCompleted();
        } catch (RuntimeException e) {
            // already finished
        } finally {
            lock.unlock();
        }
        inbound.add(new End(""));
    }

    /** Aborts the stream both ways; a blocked reader or writer returns with an {@link IOException}. */
    void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            ready.signalAll();
        } finally {
            lock.unlock();
        }
        inbound.add(new End("closed"));
        try {
            cancel.run();
        } catch (RuntimeException e) {
            // already finished
        }
    }

    private final class Input extends InputStream {
        private byte[] current = new byte[0];
        private int position;
        private End end;
        private int consumed;

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            if (length == 0) {
                return 0;
            }
            while (position >= current.length) {
                if (end != null) {
                    return endOfStream();
                }
                Object next = next();
                if (next instanceof End e) {
                    end = e;
                    return endOfStream();
                }
                current = (byte[]) next;
                position = 0;
                if (++consumed == REFILL) {
                    consumed = 0;
                    request(REFILL);
                }
            }
            int result = Math.min(length, current.length - position);
            System.arraycopy(current, position, buffer, offset, result);
            position += result;
            return result;
        }

        @Override
        public int available() {
            return current.length - position;
        }

        private Object next() throws IOException {
            try {
                int timeout = timeoutMillis;
                Object result = timeout > 0 ? inbound.poll(timeout, TimeUnit.MILLISECONDS) : inbound.take();
                if (result == null) {
                    throw new SocketTimeoutException(name + ": read timed out");
                }
                return result;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException(name + ": interrupted");
            }
        }

        private int endOfStream() throws IOException {
            if (end.error().isEmpty()) {
                return -1;
            }
            throw new IOException(name + ": " + end.error());
        }

        @Override
        public void close() {
            ByteTunnel.this.close();
        }
    }

    /** Sends one message as it is (a tunnel header), with the same backpressure as the stream's bytes. */
    void sendMessage(byte[] message) throws IOException {
        output.send(message);
    }

    private final class Output extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] buffer, int offset, int length) throws IOException {
            int done = 0;
            while (done < length) {
                int size = Math.min(RelayWire.CHUNK, length - done);
                byte[] chunk = java.util.Arrays.copyOfRange(buffer, offset + done, offset + done + size);
                send(chunk);
                done += size;
            }
        }

        private void send(byte[] chunk) throws IOException {
            lock.lock();
            try {
                // a peer that does not read makes the stream not ready: wait, never buffer without bound
                while (!closed && !outputDone && !out.isReady()) {
                    ready.await(1, TimeUnit.SECONDS);
                }
                if (closed || outputDone) {
                    throw new IOException(name + ": closed");
                }
                out.onNext(chunk);
                bytesOut.addAndGet(chunk.length);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException(name + ": interrupted");
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void close() {
            ByteTunnel.this.close();
        }
    }
}
