package dev.sluice.ssh;

import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import org.apache.sshd.client.future.DefaultOpenFuture;
import org.apache.sshd.client.future.OpenFuture;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.channel.Channel;
import org.apache.sshd.common.channel.ChannelFactory;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.util.buffer.Buffer;

/**
 * A {@code direct-tcpip} channel of a relay's channel service: opened <em>by the host</em> (a {@code direct-tcpip}
 * channel on the relay's session to it, as the gateway does for a direct connection), and only to a destination the
 * relay's config names for the target ({@code forwards}); anything else is refused
 * {@code SSH_OPEN_ADMINISTRATIVELY_PROHIBITED} before the host hears of it. The gateway judged the forward already.
 *
 * <p>Threads: MINA delivers the gateway's data on its threads ({@link #doWriteData}); one virtual thread opens, then
 * pumps the host's data back.
 */
final class RelayedForward extends TcpipForward {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RelayedForward.class);

    /** Makes {@code direct-tcpip} channels. */
    static final class Factory implements ChannelFactory {
        @Override
        public String getName() {
            return "direct-tcpip";
        }

        @Override
        public Channel createChannel(Session session) {
            return new RelayedForward();
        }
    }

    RelayedForward() {
        super("Sluice relay");
    }

    @Override
    protected OpenFuture doInit(Buffer buffer) {
        OpenFuture result = new DefaultOpenFuture(this, this);
        String host;
        int port;
        try {
            host = buffer.getString();
            port = buffer.getInt();
        } catch (RuntimeException e) {
            return failed(result, SshConstants.SSH_OPEN_CONNECT_FAILED, "malformed direct-tcpip request");
        }
        String destination = host.toLowerCase(Locale.ROOT) + ":" + port;
        Optional<ClientSession> session = RelayChannelService.upstream(getSession());
        List<String> allowed = RelayChannelService.forwards(getSession());
        // fail closed: only the destinations the relay's own config names for this target
        if (session.isEmpty() || !allowed.contains(destination)) {
            String shown = destination.length() > 80 ? destination.substring(0, 80) + "…" : destination;
            LOG.warn("relay: refused direct-tcpip to {}: not in the target's forwards", shown);
            // the peer reads the reason code (MINA sends no text with a refused open)
            return failed(result, SshConstants.SSH_OPEN_ADMINISTRATIVELY_PROHIBITED, "the relay does not forward to "
                    + shown + " (not in its config)");
        }
        Thread.ofVirtual().name("sluice-relay-forward").start(() -> open(session.get(), host, port, result));
        return result;
    }

    private void open(ClientSession session, String host, int port, OpenFuture result) {
        try {
            carry(session, host, port, result);
        } catch (IOException | RuntimeException e) {
            if (!result.isDone()) {
                failed(result, SshConstants.SSH_OPEN_CONNECT_FAILED, "the host could not connect to " + host + ":"
                        + port);
            }
        } finally {
            close(false);
        }
    }
}
