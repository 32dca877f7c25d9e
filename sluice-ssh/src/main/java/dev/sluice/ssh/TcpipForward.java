package dev.sluice.ssh;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Collections;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.sshd.client.channel.ChannelDirectTcpip;
import org.apache.sshd.client.channel.ClientChannel;
import org.apache.sshd.client.future.OpenFuture;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.channel.ChannelAsyncOutputStream;
import org.apache.sshd.common.channel.exception.SshChannelOpenException;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;
import org.apache.sshd.common.util.net.SshdSocketAddress;
import org.apache.sshd.server.channel.AbstractServerChannel;

/**
 * A {@code direct-tcpip} channel whose far end is opened <em>by the host</em>: a {@code direct-tcpip} channel on an
 * SSH session to it, so that {@code localhost} means the host's own loopback. The two subclasses decide whether and
 * where it may open — {@link ForwardChannel} (the gateway's listener: judged as a {@code FORWARD} command, audited)
 * and {@link RelayedForward} (a relay's channel service: only what the relay's config names) — and this class carries
 * the bytes: the peer's data to the host as MINA delivers it, the host's data back on one virtual thread, each way
 * counted.
 */
abstract class TcpipForward extends AbstractServerChannel {
    private final String speaker;
    private volatile Optional<ClientChannel> upstream = Optional.empty();
    private volatile OutputStream toTarget;
    private ChannelAsyncOutputStream toPeer;
    private final AtomicLong fromPeerBytes = new AtomicLong();
    private final AtomicLong toPeerBytes = new AtomicLong();

    /** {@code speaker} starts every refusal the peer reads ({@code "Sluice"}, {@code "Sluice relay"}). */
    TcpipForward(String speaker) {
        super("", Collections.emptyList(), null);
        this.speaker = speaker;
    }

    /**
     * Refuses the open with {@code code} and the speaker's {@code message} and closes the channel. Not
     * {@code signalChannelOpenFailure}: its listener would answer with a generic message instead of this one.
     */
    final OpenFuture failed(OpenFuture result, int code, String message) {
        try {
            result.setException(new SshChannelOpenException(getChannelId(), code, speaker + ": " + message));
        } finally {
            close(true);
        }
        return result;
    }

    /**
     * Opens {@code host:port} from {@code session}'s host, confirms the open to the peer and carries the host's bytes
     * back until it ends. Throws when the host could not open it (the caller refuses the open then).
     */
    final void carry(ClientSession session, String host, int port, OpenFuture result) throws IOException {
        ChannelDirectTcpip tunnel = session.createDirectTcpipChannel(new SshdSocketAddress("127.0.0.1", 0),
                new SshdSocketAddress(host, port));
        tunnel.setStreaming(ClientChannel.Streaming.Sync);
        tunnel.open().verify(Upstreams.CONNECT_TIMEOUT);
        upstream = Optional.of(tunnel);
        toTarget = tunnel.getInvertedIn();
        toPeer = new ChannelAsyncOutputStream(this, SshConstants.SSH_MSG_CHANNEL_DATA);
        // MINA sends SSH_MSG_CHANNEL_OPEN_CONFIRMATION on this signal (the future alone does not)
        signalChannelOpenSuccess();
        result.setOpened();
        InputStream fromTarget = tunnel.getInvertedOut();
        byte[] chunk = new byte[32 * 1024];
        int n;
        while ((n = fromTarget.read(chunk)) >= 0) {
            if (n > 0) {
                toPeer.writeBuffer(new ByteArrayBuffer(java.util.Arrays.copyOf(chunk, n)))
                        .verify(Upstreams.CONNECT_TIMEOUT);
                toPeerBytes.addAndGet(n);
            }
        }
        sendEof();
    }

    /** Bytes the peer sent to the host so far. */
    final long fromPeer() {
        return fromPeerBytes.get();
    }

    /** Bytes the host sent back to the peer so far. */
    final long toPeer() {
        return toPeerBytes.get();
    }

    @Override
    protected final void doWriteData(byte[] data, int off, long len) throws IOException {
        OutputStream target = toTarget;
        if (target == null) {
            throw new IOException("data before the forward was opened");
        }
        target.write(data, off, (int) len);
        target.flush();
        fromPeerBytes.addAndGet(len);
        getLocalWindow().release(len);
    }

    @Override
    protected final void doWriteExtendedData(byte[] data, int off, long len) throws IOException {
        throw new IOException("direct-tcpip channels carry no extended data");
    }

    @Override
    public final void handleEof() throws IOException {
        super.handleEof();
        OutputStream target = toTarget;
        if (target != null) {
            target.close();
        }
    }

    @Override
    public final void handleWindowAdjust(Buffer buffer) throws IOException {
        super.handleWindowAdjust(buffer);
        if (toPeer != null) {
            toPeer.onWindowExpanded();
        }
    }

    @Override
    protected final void preClose() {
        upstream.ifPresent(u -> u.close(true));
        super.preClose();
    }
}
