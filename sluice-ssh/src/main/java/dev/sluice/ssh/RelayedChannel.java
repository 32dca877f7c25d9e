package dev.sluice.ssh;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import org.apache.sshd.client.channel.ClientChannel;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.channel.PtyChannelConfiguration;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.io.output.NoCloseOutputStream;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.Signal;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;

/**
 * A channel of a relay's channel service ({@link RelayChannelService}): the gateway already judged it, so the relay
 * opens the same channel on its own session to the target (exec with the gateway's command line, a shell with the
 * requested PTY, or the {@code sftp} subsystem), with the {@code env} the gateway passed on, and carries its data,
 * stderr, EOF and window changes; the target's exit status (or signal) goes back as the channel's own. Runs on a
 * virtual thread of its own; MINA pumps the streams.
 */
final class RelayedChannel implements Command {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RelayedChannel.class);

    enum Kind { EXEC, SHELL, SFTP }

    private final Kind kind;
    private final String command;
    private InputStream in;
    private OutputStream out;
    private OutputStream err;
    private ExitCallback exit;
    private volatile Optional<ClientChannel> upstream = Optional.empty();

    RelayedChannel(Kind kind, String command) {
        this.kind = kind;
        this.command = command;
    }

    @Override
    public void setInputStream(InputStream in) {
        this.in = in;
    }

    @Override
    public void setOutputStream(OutputStream out) {
        this.out = out;
    }

    @Override
    public void setErrorStream(OutputStream err) {
        this.err = err;
    }

    @Override
    public void setExitCallback(ExitCallback callback) {
        this.exit = callback;
    }

    @Override
    public void start(ChannelSession channel, Environment environment) {
        Thread.ofVirtual().name("sluice-relay-channel").start(() -> run(channel, environment));
    }

    private void run(ChannelSession channel, Environment environment) {
        Optional<ClientSession> session = RelayChannelService.upstream(channel.getSession());
        if (session.isEmpty() || !session.get().isOpen()) {
            fail("the relay's session to the target is closed");
            return;
        }
        try {
            Map<String, String> env = new LinkedHashMap<>(environment.getEnv());
            env.keySet().removeAll(java.util.Set.of(Environment.ENV_USER, Environment.ENV_TERM,
                    Environment.ENV_COLUMNS, Environment.ENV_LINES));
            Optional<PtyChannelConfiguration> pty = RelayCommand.pty(environment);
            ClientChannel opened = switch (kind) {
                case EXEC -> session.get().createExecChannel(command, pty.orElse(null), env);
                case SHELL -> session.get().createShellChannel(pty.orElse(null), env);
                case SFTP -> session.get().createSubsystemChannel("sftp");
            };
            upstream = Optional.of(opened);
            opened.setIn(in);
            opened.setOut(new NoCloseOutputStream(out));
            opened.setErr(new NoCloseOutputStream(err));
            if (opened instanceof org.apache.sshd.client.channel.PtyCapableChannelSession terminal) {
                environment.addSignalListener((c, signal) -> {
                    try {
                        terminal.sendWindowChange(RelayCommand.number(environment, Environment.ENV_COLUMNS, 80),
                                RelayCommand.number(environment, Environment.ENV_LINES, 24));
                    } catch (IOException e) {
                        // the shell is closing
                    }
                }, Signal.WINCH);
            }
            opened.open().verify(Upstreams.CONNECT_TIMEOUT);
            opened.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), 0);
            out.flush();
            err.flush();
            Integer status = opened.getExitStatus();
            String signal = opened.getExitSignal();
            if (status == null && signal != null) {
                exitSignal(channel, signal);
            }
            exit.onExit(status != null ? status : signal != null ? 128 : RelayCommand.EXIT_FAILED);
        } catch (IOException | RuntimeException e) {
            LOG.warn("relay: {} channel to the target failed: {}", kind, e.getMessage());
            fail("the relay could not open the channel on the target (" + Upstreams.reason(e) + ")");
        }
    }

    /** The target's {@code exit-signal}, passed on as it came (RFC 4254 6.10). */
    private static void exitSignal(ChannelSession channel, String signal) throws IOException {
        Buffer buffer = channel.getSession().createBuffer(SshConstants.SSH_MSG_CHANNEL_REQUEST, 64);
        buffer.putUInt(channel.getRecipient());
        buffer.putString("exit-signal");
        buffer.putBoolean(false);
        buffer.putString(signal);
        buffer.putBoolean(false);
        buffer.putString("");
        buffer.putString("");
        channel.writePacket(buffer);
    }

    private void fail(String message) {
        try {
            err.write(("Sluice relay: " + message + "\r\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            err.flush();
        } catch (IOException e) {
            // the gateway is gone
        }
        exit.onExit(RelayCommand.EXIT_FAILED);
    }

    @Override
    public void destroy(ChannelSession channel) {
        upstream.ifPresent(u -> u.close(false));
    }
}
