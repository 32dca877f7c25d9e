package dev.sluice.ssh;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import org.apache.sshd.client.future.DefaultOpenFuture;
import org.apache.sshd.client.future.OpenFuture;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.channel.Channel;
import org.apache.sshd.common.channel.ChannelFactory;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.util.buffer.Buffer;

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
final class ForwardChannel extends TcpipForward {
    private static final int MAX_HOST = 255;

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
        super("Sluice");
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
            carry(caller.upstream(), host, port, result);
        } catch (IOException | RuntimeException e) {
            if (!result.isDone()) {
                failed(result, SshConstants.SSH_OPEN_CONNECT_FAILED, "the target could not connect to "
                        + host + ":" + port);
            }
        } finally {
            caller.session().countFromClient(fromPeer());
            caller.session().countToClient(toPeer());
            caller.session().completed(answer.commandId(), new CommandOutcome.Exit(0, "",
                    "bytes: " + fromPeer() + " to the target, " + toPeer() + " back"),
                    Duration.between(started, Instant.now()));
            close(false);
        }
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
