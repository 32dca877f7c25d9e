package dev.sluice.ssh;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongConsumer;

import org.apache.sshd.common.io.AbstractIoWriteFuture;
import org.apache.sshd.common.io.IoHandler;
import org.apache.sshd.common.io.IoService;
import org.apache.sshd.common.io.IoSession;
import org.apache.sshd.common.io.IoWriteFuture;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;
import org.apache.sshd.common.util.closeable.AbstractCloseable;

/**
 * A MINA {@link IoSession} over a connected, blocking {@link Socket}: one virtual thread reads and hands each chunk to
 * MINA's handler, one virtual thread drains the write queue. Writes never block MINA's caller (it may hold session
 * locks the reader needs); memory stays bounded because MINA's channel windows bound what is in flight. Read
 * suspension (MINA's back-pressure) parks the reader. Thread-safe.
 */
final class SocketIoSession extends AbstractCloseable implements IoSession {
    private static final AtomicLong IDS = new AtomicLong();
    private static final int READ_BUFFER = 64 * 1024;

    private final long id = IDS.incrementAndGet();
    private final IoService service;
    private final IoHandler handler;
    private final Socket socket;
    private final LongConsumer onClosed;
    private final Map<Object, Object> attributes = new ConcurrentHashMap<>();
    private final LinkedBlockingQueue<Pending> writes = new LinkedBlockingQueue<>();
    private final ReentrantLock readLock = new ReentrantLock();
    private final Condition readable = readLock.newCondition();
    private boolean suspended;

    private record Pending(byte[] bytes, WriteFuture future) {
    }

    private static final class WriteFuture extends AbstractIoWriteFuture {
        WriteFuture(Object id) {
            super(id, null);
        }

        void done(Object value) {
            setValue(value);
        }
    }

    SocketIoSession(IoService service, IoHandler handler, Socket socket, LongConsumer onClosed) {
        this.service = service;
        this.handler = handler;
        this.socket = socket;
        this.onClosed = onClosed;
    }

    void startReading() {
        Thread.ofVirtual().name("sluice-ssh-upstream-read-" + id).start(this::readLoop);
        Thread.ofVirtual().name("sluice-ssh-upstream-write-" + id).start(this::writeLoop);
    }

    private void readLoop() {
        byte[] buffer = new byte[READ_BUFFER];
        try (InputStream in = socket.getInputStream()) {
            while (!isClosing()) {
                awaitResumed();
                int n = in.read(buffer);
                if (n < 0) {
                    break;
                }
                handler.messageReceived(this, new ByteArrayBuffer(buffer, 0, n));
            }
        } catch (Throwable e) {
            if (!isClosing()) {
                try {
                    handler.exceptionCaught(this, e);
                } catch (Exception ignored) {
                    // closing below either way
                }
            }
        }
        close(true);
    }

    private void writeLoop() {
        try (OutputStream out = socket.getOutputStream()) {
            while (true) {
                Pending next = writes.take();
                if (next.bytes() == null) {
                    return;
                }
                try {
                    out.write(next.bytes());
                    if (writes.isEmpty()) {
                        out.flush();
                    }
                    next.future().done(Boolean.TRUE);
                } catch (IOException e) {
                    next.future().done(e);
                    failPending(e);
                    close(true);
                    return;
                }
            }
        } catch (InterruptedException | IOException e) {
            failPending(new IOException("upstream connection closed"));
        }
    }

    private void failPending(IOException e) {
        Pending pending;
        while ((pending = writes.poll()) != null) {
            if (pending.future() != null) {
                pending.future().done(e);
            }
        }
    }

    private void awaitResumed() throws InterruptedException {
        readLock.lock();
        try {
            while (suspended && !isClosing()) {
                readable.await();
            }
        } finally {
            readLock.unlock();
        }
    }

    @Override
    public IoWriteFuture writeBuffer(Buffer buffer) throws IOException {
        WriteFuture result = new WriteFuture(id);
        if (isClosing()) {
            result.done(new IOException("upstream connection closed"));
            return result;
        }
        byte[] bytes = new byte[buffer.available()];
        buffer.getRawBytes(bytes);
        writes.add(new Pending(bytes, result));
        return result;
    }

    @Override
    protected void doCloseImmediately() {
        writes.add(new Pending(null, null));
        try {
            socket.close();
        } catch (IOException e) {
            // closed either way
        }
        readLock.lock();
        try {
            readable.signalAll();
        } finally {
            readLock.unlock();
        }
        onClosed.accept(id);
        try {
            handler.sessionClosed(this);
        } catch (Exception e) {
            // the MINA session is gone either way
        }
        super.doCloseImmediately();
    }

    @Override
    public void suspendRead() {
        readLock.lock();
        try {
            suspended = true;
        } finally {
            readLock.unlock();
        }
    }

    @Override
    public void resumeRead() {
        readLock.lock();
        try {
            suspended = false;
            readable.signalAll();
        } finally {
            readLock.unlock();
        }
    }

    @Override
    public void shutdownOutputStream() throws IOException {
        socket.shutdownOutput();
    }

    @Override
    public long getId() {
        return id;
    }

    @Override
    public SocketAddress getAcceptanceAddress() {
        return null;
    }

    @Override
    public Object getAttribute(Object key) {
        return attributes.get(key);
    }

    @Override
    public Object setAttribute(Object key, Object value) {
        return attributes.put(key, value);
    }

    @Override
    public Object setAttributeIfAbsent(Object key, Object value) {
        return attributes.putIfAbsent(key, value);
    }

    @Override
    public Object removeAttribute(Object key) {
        return attributes.remove(key);
    }

    @Override
    public IoService getService() {
        return service;
    }

    @Override
    public SocketAddress getRemoteAddress() {
        return socket.getRemoteSocketAddress();
    }

    @Override
    public SocketAddress getLocalAddress() {
        return socket.getLocalSocketAddress();
    }
}
