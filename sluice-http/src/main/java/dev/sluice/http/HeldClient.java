package dev.sluice.http;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.Optional;

import dev.sluice.core.approval.HoldWatch;

/**
 * Watches the client while its request is held for approval, so that a client that gives up (kubectl's
 * {@code --request-timeout}, curl's {@code --max-time}, a closed laptop) withdraws its request instead of leaving it
 * to be approved and run with nobody waiting. HTTP/1.1 has no interim message a client shows, so {@link #waiting}
 * tells it nothing. Only a request without a body is watched (its bytes are all read; anything the client sends now
 * is a next request, left in the stream for later); the watcher reads at most one byte ahead, with
 * {@code mark}/{@code reset}, and hands the stream back in {@link #finish} before the connection's thread reads again.
 * Threads: {@link #holding} and {@link #finish} on the connection's thread, {@link #abandoned} on the waiting core
 * thread (the same), the watcher on its own virtual thread.
 */
final class HeldClient implements HoldWatch {
    private static final int POLL_MILLIS = 250;
    private final Socket socket;
    private final InputStream in;
    private final boolean watchable;
    private volatile Optional<String> gone = Optional.empty();
    private volatile boolean stop;
    private Thread watcher;

    HeldClient(Socket socket, InputStream in, boolean watchable) {
        this.socket = socket;
        this.in = in;
        this.watchable = watchable;
    }

    @Override
    public void holding() {
        if (watchable && in.markSupported()) {
            watcher = Thread.ofVirtual().name("sluice-https-held").start(this::watch);
        }
    }

    @Override
    public void waiting(String message) {
        // nothing to tell in HTTP/1.1; the approval id is in the audit trail and the approvers' notification
    }

    @Override
    public Optional<String> abandoned() {
        return gone;
    }

    /** Stops watching and waits for the watcher: the stream is the connection's again. */
    void finish() {
        stop = true;
        if (watcher != null) {
            try {
                watcher.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void watch() {
        int timeout;
        try {
            timeout = socket.getSoTimeout();
            socket.setSoTimeout(POLL_MILLIS);
        } catch (IOException e) {
            return;
        }
        try {
            while (!stop) {
                in.mark(1);
                try {
                    int b = in.read();
                    if (b < 0) {
                        gone = Optional.of("the client disconnected while its request was held");
                        return;
                    }
                    in.reset(); // the start of a next request: left for the connection's thread
                    return;
                } catch (SocketTimeoutException e) {
                    // still there, still quiet
                }
            }
        } catch (IOException e) {
            gone = Optional.of("the client's connection failed while its request was held");
        } finally {
            try {
                socket.setSoTimeout(timeout);
            } catch (IOException e) {
                // the connection is gone
            }
        }
    }
}
