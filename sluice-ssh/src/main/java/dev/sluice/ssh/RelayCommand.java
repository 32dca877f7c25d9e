package dev.sluice.ssh;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.sshd.client.channel.ClientChannel;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.common.channel.PtyChannelConfiguration;
import org.apache.sshd.common.channel.PtyMode;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;

import dev.sluice.core.approval.HoldWatch;
import dev.sluice.core.audit.AuditWriteException;
import dev.sluice.core.audit.CommandOutcome;
import dev.sluice.core.session.CommandRequest;
import dev.sluice.core.session.Submission;

/**
 * The common part of a caller's session channel (exec, shell, subsystem) as a MINA {@link Command}: MINA calls
 * {@link #start} on its own thread, so the work (judging, which may wait for an approval, and relaying) runs on a
 * virtual thread of its own. Before the channel's own request, its {@code env} requests are judged (a refused one is
 * not passed on, and the caller is told on stderr), and requests MINA refused on the spot (agent, X11) are told and
 * recorded. A refused request ends the channel with exit status 126 and Sluice's message on stderr.
 */
abstract class RelayCommand implements Command {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RelayCommand.class);
    static final int EXIT_REFUSED = 126;
    static final int EXIT_FAILED = 255;
    /** Variables MINA puts in the environment itself (from the PTY request and the login). */
    private static final Set<String> MINA_VARIABLES = Set.of(Environment.ENV_USER, Environment.ENV_TERM,
            Environment.ENV_COLUMNS, Environment.ENV_LINES);

    protected InputStream in;
    protected OutputStream out;
    protected OutputStream err;
    private ExitCallback exit;
    protected ChannelSession channel;
    protected Environment environment;
    protected final AtomicBoolean closed = new AtomicBoolean();
    private volatile Optional<ClientChannel> upstream = Optional.empty();

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
    public void start(ChannelSession channel, Environment env) {
        this.channel = channel;
        this.environment = env;
        Optional<CallerSession> caller = CallerSession.of(channel.getSession());
        Thread.ofVirtual().name("sluice-ssh-channel").start(() -> {
            if (caller.isEmpty()) {
                finish(EXIT_REFUSED, "this connection has no Sluice session");
                return;
            }
            if (!caller.get().openChannel()) {
                finish(EXIT_REFUSED, "too many channels on one connection (at most " + CallerSession.MAX_CHANNELS
                        + ")");
                return;
            }
            try {
                run(caller.get());
            } catch (AuditWriteException e) {
                // Fail closed: nothing runs that cannot be recorded; the session ends.
                finish(EXIT_REFUSED, "Sluice cannot record this command in its audit trail; refused");
                caller.get().disconnect("the audit trail cannot be written");
            } catch (Upstreams.UpstreamException e) {
                finish(EXIT_FAILED, e.getMessage());
            } catch (IOException | RuntimeException e) {
                LOG.warn("ssh channel of session {} failed", caller.get().session().context().session(), e);
                finish(EXIT_FAILED, "the relay failed (" + e.getClass().getSimpleName() + ")");
            } finally {
                caller.get().closeChannel();
            }
        });
    }

    /** The channel's work, on its own virtual thread. */
    abstract void run(CallerSession caller) throws IOException;

    /**
     * Tells the caller about requests refused on the spot, then judges its {@code env} requests (at most
     * {@link SessionChannel#MAX_ENV}); returns the ones allowed.
     */
    Map<String, String> allowedEnvironment(CallerSession caller) throws IOException {
        for (String refused : caller.takeRefusedRequests()) {
            warn(refused + " is refused by Sluice");
        }
        Map<String, String> result = new LinkedHashMap<>();
        Map<String, String> requested = new LinkedHashMap<>(environment.getEnv());
        requested.keySet().removeAll(MINA_VARIABLES);
        for (Map.Entry<String, String> variable : requested.entrySet()) {
            var command = SshCommands.env(variable.getKey(), variable.getValue());
            Submission answer = caller.session().submit(CommandRequest.of(command), watch());
            if (answer instanceof Submission.Refuse refuse) {
                warn("environment variable " + variable.getKey() + " not passed on: " + refuse.message());
            } else {
                result.put(variable.getKey(), variable.getValue());
                caller.session().completed(answer.commandId(), new CommandOutcome.Exit(0, "", ""), Duration.ZERO);
            }
        }
        return result;
    }

    /** The PTY the caller asked for (empty when it asked for none). */
    Optional<PtyChannelConfiguration> pty() {
        return pty(environment);
    }

    /** The PTY a channel's requests asked for (empty when none): also what a relay asks its target for. */
    static Optional<PtyChannelConfiguration> pty(Environment environment) {
        Map<PtyMode, Integer> modes = environment.getPtyModes();
        String term = environment.getEnv().get(Environment.ENV_TERM);
        if (term == null && modes.isEmpty()) {
            return Optional.empty();
        }
        PtyChannelConfiguration result = new PtyChannelConfiguration();
        result.setPtyType(term == null ? "vt100" : term);
        result.setPtyColumns(number(environment, Environment.ENV_COLUMNS, 80));
        result.setPtyLines(number(environment, Environment.ENV_LINES, 24));
        result.setPtyModes(modes);
        return Optional.of(result);
    }

    int number(String variable, int fallback) {
        return number(environment, variable, fallback);
    }

    static int number(Environment environment, String variable, int fallback) {
        try {
            return Integer.parseInt(environment.getEnv().getOrDefault(variable, String.valueOf(fallback)));
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    /** Tells the caller that a command waits, and notices when the caller gives up. */
    HoldWatch watch() {
        return new HoldWatch() {
            @Override
            public void waiting(String message) {
                warn(message);
            }

            @Override
            public Optional<String> abandoned() {
                return closed.get() || !channel.isOpen() ? Optional.of("the client closed the channel")
                        : Optional.empty();
            }
        };
    }

    /** One line on the caller's stderr, prefixed {@code Sluice: }. */
    void warn(String message) {
        try {
            err.write(("Sluice: " + message + "\r\n").getBytes(StandardCharsets.UTF_8));
            err.flush();
        } catch (IOException e) {
            // the caller is gone; the channel ends
        }
    }

    void upstream(ClientChannel channel) {
        this.upstream = Optional.of(channel);
    }

    /** Waits for the target's channel to close; its exit status or signal. */
    static CommandOutcome.Exit await(ClientChannel channel) {
        channel.waitFor(java.util.EnumSet.of(ClientChannelEvent.CLOSED), 0);
        Integer status = channel.getExitStatus();
        String signal = Optional.ofNullable(channel.getExitSignal()).orElse("");
        return new CommandOutcome.Exit(status == null ? (signal.isEmpty() ? EXIT_FAILED : 128) : status, signal,
                "");
    }

    /** Ends the channel: the message (if any) on stderr, then the exit status. */
    void finish(int status, String message) {
        if (!message.isEmpty()) {
            warn(message);
        }
        finish(status);
    }

    void finish(int status) {
        try {
            out.flush();
            err.flush();
        } catch (IOException e) {
            // closing anyway
        }
        if (exit != null) {
            exit.onExit(status);
        }
    }

    @Override
    public void destroy(ChannelSession channel) {
        closed.set(true);
        upstream.ifPresent(u -> u.close(false));
    }

    /** Closes output filters on a failure path (a masking stream's thread ends with it); nulls are skipped. */
    static void closeQuietly(List<java.io.OutputStream> streams) {
        for (java.io.OutputStream stream : streams) {
            if (stream == null) {
                continue;
            }
            try {
                stream.close();
            } catch (IOException e) {
                // the caller is gone; nothing more to send
            }
        }
    }

    static List<String> lines(String text) {
        return new ArrayList<>(List.of(text.split("\n")));
    }
}
