package dev.sluice.ssh;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

import org.apache.sshd.common.channel.Channel;
import org.apache.sshd.common.channel.ChannelFactory;
import org.apache.sshd.common.channel.RequestHandler;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.session.ServerSession;
import org.apache.sshd.server.subsystem.SubsystemFactory;

/**
 * MINA's session channel with Sluice's refusals on the requests it never forwards: agent forwarding and X11 (MINA
 * would refuse them quietly without an agent or X11 support; here the refusal is audited and told to the caller on
 * stderr at its next command), subsystems other than {@code sftp} (a {@link RefusedSubsystem}: audited, the reason on
 * stderr, exit status 126), and more than
 * {@value #MAX_ENV} {@code env} requests (memory stays bounded; the later ones are refused).
 */
final class SessionChannel extends ChannelSession {
    static final int MAX_ENV = 64;
    private int envRequests;

    /** Makes session channels. */
    static final class Factory implements ChannelFactory {
        @Override
        public String getName() {
            return "session";
        }

        @Override
        public Channel createChannel(Session session) {
            return new SessionChannel();
        }
    }

    /** The {@code sftp} subsystem (the only one served), each channel's command made by {@code command}. */
    static List<SubsystemFactory> sftp(java.util.function.Supplier<org.apache.sshd.server.command.Command> command) {
        return List.of(new SubsystemFactory() {
            @Override
            public String getName() {
                return "sftp";
            }

            @Override
            public org.apache.sshd.server.command.Command createSubsystem(ChannelSession channel) {
                return command.get();
            }
        });
    }

    private Optional<CallerSession> caller() {
        return CallerSession.of(getSession());
    }

    @Override
    protected RequestHandler.Result handleAgentForwardingParsed(String requestType) {
        caller().ifPresent(c -> c.refusedRequest("agent forwarding"));
        return RequestHandler.Result.ReplyFailure;
    }

    @Override
    protected RequestHandler.Result handleX11ForwardingParsed(String requestType, ServerSession session,
                                                              boolean singleConnection, String protocol,
                                                              String cookie, int screen) {
        caller().ifPresent(c -> c.refusedRequest("X11 forwarding"));
        return RequestHandler.Result.ReplyFailure;
    }

    @Override
    protected RequestHandler.Result handleEnvParsed(String name, String value) throws IOException {
        if (++envRequests > MAX_ENV) {
            return RequestHandler.Result.ReplyFailure;
        }
        return super.handleEnvParsed(name, value);
    }

    @Override
    protected RequestHandler.Result handleSubsystemParsed(String request, String subsystem) throws IOException {
        if (!"sftp".equals(subsystem)) {
            String shown = subsystem.length() > 64 ? subsystem.substring(0, 64) + "…" : subsystem;
            // accepted as a channel only to record the refusal and tell the caller why (exit 126, stderr)
            // (as MINA's own subsystem path does: the command is set before it is prepared)
            commandInstance = new RefusedSubsystem(shown);
            return prepareChannelCommand(request, commandInstance);
        }
        return super.handleSubsystemParsed(request, subsystem);
    }
}
