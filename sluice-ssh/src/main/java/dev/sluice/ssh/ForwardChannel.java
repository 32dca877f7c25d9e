package dev.sluice.ssh;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.sshd.client.channel.ChannelDirectTcpip;
import org.apache.sshd.client.channel.ClientChannel;
import org.apache.sshd.client.future.DefaultOpenFuture;
import org.apache.sshd.client.future.OpenFuture;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.channel.Channel;
import org.apache.sshd.common.channel.ChannelAsyncOutputStream;
import org.apache.sshd.common.channel.ChannelFactory;
import org.apache.sshd.common.channel.exception.SshChannelOpenException;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;
import org.apache.sshd.common.util.net.SshdSocketAddress;
import org.apache.sshd.server.channel.AbstractServerChannel;

import dev.sluice.core.approval.HoldWatch;
import dev.sluice.core.audit.CommandOutcome;
import dev.sluice.core.session.CommandRequest;
import dev.sluice.core.session.Submission;

/**
 * Local port forwarding ({@code ssh -L}, {@code direct-tcpip}): the destination is judged as a {@code FORWARD}
 * command ({@code host:port}); an allowed one is opened <em>by the target</em> (a {@code direct-tcpip} channel on
 * Sluice's session to the target), never by the gateway, so {@code localhost} means the target's own loopback and
 * the gateway's own ports are out of reach. A refused one is answered {@code SSH_OPEN_ADMINISTRATIVELY_PROHIBITED}
 * with Sluice's message (OpenSSH prints it). Bytes each way are counted and audited as the outcome.
 *
 * <p>Threads: MINA delivers the caller's data on its threads ({@link #doWriteData}); one virtual thread judges and
 * opens, then pumps the target's data back.
 */
final class ForwardChannel extends AbstractServerChannel {
    private static final int MAX_HOST = 255;
    private volatile Optional<ClientChannel> upstream = Optional.empty();
    private volatile OutputStream toTarget;
    private ChannelAsyncOutputStream toCaller;
    private final AtomicLong fromClient = new AtomicLong();
    private final AtomicLong toClient = new AtomicLong();

    /** Makes {@code direct-tcpip} channels. */
    static final class Factory implements ChannelFactory {
        @Override
        public String getName() {
            return "direct-tcpip";
        }

        @Override
        public Channel createChannel(Session session) {
            return new ForwardChannel();
        }
    }

    ForwardChannel() {
        super("", Collections.emptyList(), null);
    }

    @Override
    protected OpenFuture doInit(Buffer buffer) {
        OpenFuture result = new DefaultOpenFuture(this, this);
        String host;
        int port;
        String originator;
        try {
            host = buffer.getString();
            port = buffer.getInt();
            originator = buffer.getString() + ":" + buffer.getInt();
        } catch (RuntimeException e) {
            return failed(result, SshConstants.SSH_OPEN_CONNECT_FAILED, "malformed direct-tcpip request");
        }
        Optional<CallerSession> caller = CallerSession.of(getSession());
        if (caller.isEmpty()) {
            return failed(result, SshConstants.SSH_OPEN_ADMINISTRATIVELY_PROHIBITED, "no Sluice session");
        }
        if (host.isEmpty() || host.length() > MAX_HOST || port < 1 || port > 65535
                || host.chars().anyMatch(c -> c <= 0x20 || c == 0x7f)) {
            return failed(result, SshConstants.SSH_OPEN_CONNECT_FAILED, "invalid forwarding destination");
        }
        Thread.ofVirtual().name("sluice-ssh-forward").start(() -> open(caller.get(), host, port, originator, result));
        return result;
    }

    private OpenFuture failed(OpenFuture result, int code, String message) {
        SshChannelOpenException failure = new SshChannelOpenException(getChannelId(), code, "Sluice: " + message);
        try {
            // not signalChannelOpenFailure: its listener would answer with a generic message instead of this one
            result.setException(failure);
        } finally {
            close(true);
        }
        return result;
    }

    private void open(CallerSession caller, String host, int port, String originator, OpenFuture result) {
        Submission answer;
        try {
            if (!caller.permitPortForwarding()) {
                answer = caller.session().submit(CommandRequest.refused(host + ":" + port,
                        java.util.List.of(SshCommands.forward(host, port)),
                        "the caller's certificate does not permit port forwarding"), watch());
            } else {
                answer = caller.session().submit(CommandRequest.of(SshCommands.forward(host, port)), watch());
            }
        } catch (RuntimeException e) {
            failed(result, SshConstants.SSH_OPEN_ADMINISTRATIVELY_PROHIBITED, "the forward cannot be audited");
            return;
        }
        if (answer instanceof Submission.Refuse refuse) {
            failed(result, SshConstants.SSH_OPEN_ADMINISTRATIVELY_PROHIBITED, refuse.message());
            return;
        }
        Instant started = Instant.now();
        try {
            ChannelDirectTcpip tunnel = caller.upstream().createDirectTcpipChannel(
                    new SshdSocketAddress("127.0.0.1", 0), new SshdSocketAddress(host, port));
            tunnel.setStreaming(ClientChannel.Streaming.Sync);
            tunnel.open().verify(Upstreams.CONNECT_TIMEOUT);
            upstream = Optional.of(tunnel);
            toTarget = tunnel.getInvertedIn();
            toCaller = new ChannelAsyncOutputStream(this, SshConstants.SSH_MSG_CHANNEL_DATA);
            // MINA sends SSH_MSG_CHANNEL_OPEN_CONFIRMATION on this signal (the future alone does not)
            signalChannelOpenSuccess();
            result.setOpened();
            pump(tunnel.getInvertedOut());
        } catch (IOException | RuntimeException e) {
            if (!result.isDone()) {
                failed(result, SshConstants.SSH_OPEN_CONNECT_FAILED, "the target could not connect to "
                        + host + ":" + port);
            }
        } finally {
            caller.session().countFromClient(fromClient.get());
            caller.session().countToClient(toClient.get());
            caller.session().completed(answer.commandId(), new CommandOutcome.Exit(0, "",
                    "bytes: " + fromClient.get() + " to the target, " + toClient.get() + " back"),
                    Duration.between(started, Instant.now()));
            close(false);
        }
    }

    private void pump(InputStream fromTarget) throws IOException {
        byte[] chunk = new byte[32 * 1024];
        int n;
        while ((n = fromTarget.read(chunk)) >= 0) {
            if (n == 0) {
                continue;
            }
            toCaller.writeBuffer(new ByteArrayBuffer(java.util.Arrays.copyOf(chunk, n)))
                    .verify(Upstreams.CONNECT_TIMEOUT);
            toClient.addAndGet(n);
        }
        sendEof();
    }

    @Override
    protected void doWriteData(byte[] data, int off, long len) throws IOException {
        OutputStream target = toTarget;
        if (target == null) {
            throw new IOException("data before the forward was opened");
        }
        target.write(data, off, (int) len);
        target.flush();
        fromClient.addAndGet(len);
        getLocalWindow().release(len);
    }

    @Override
    protected void doWriteExtendedData(byte[] data, int off, long len) throws IOException {
        throw new IOException("direct-tcpip channels carry no extended data");
    }

    @Override
    public void handleEof() throws IOException {
        super.handleEof();
        OutputStream target = toTarget;
        if (target != null) {
            target.close();
        }
    }

    @Override
    public void handleWindowAdjust(Buffer buffer) throws IOException {
        super.handleWindowAdjust(buffer);
        if (toCaller != null) {
            toCaller.onWindowExpanded();
        }
    }

    @Override
    protected void preClose() {
        upstream.ifPresent(u -> u.close(true));
        super.preClose();
    }

    private HoldWatch watch() {
        return new HoldWatch() {
            @Override
            public void waiting(String message) {
                // a tunnel has no stderr: the open simply waits (the client shows nothing until it opens or fails)
            }

            @Override
            public Optional<String> abandoned() {
                return isClosing() ? Optional.of("the client closed the channel") : Optional.empty();
            }
        };
    }
}
