package dev.sluice.ssh;

import java.io.FilterInputStream;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.apache.sshd.client.channel.ChannelShell;
import org.apache.sshd.common.channel.PtyChannelConfiguration;
import org.apache.sshd.common.util.io.output.NoCloseOutputStream;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.Signal;

import dev.sluice.core.audit.CommandOutcome;
import dev.sluice.core.session.CommandRequest;
import dev.sluice.core.session.Submission;

/**
 * An interactive {@code shell}: judged as one {@code SHELL} command (policy may forbid shells, say for agents), then
 * relayed with the caller's PTY (window changes passed on). Everything is recorded as asciicast: output, input
 * (masked) and each line the user was observed typing, as a marker. Where the caller's masking rules have
 * detectors, the output reaches the caller masked ({@link TerminalMaskingStream}). What the shell then runs is not judged command by
 * command: that cannot be known from a terminal (see docs/ssh.md).
 */
final class ShellChannel extends RelayCommand {
    private final Recordings recordings;
    private final SshMasking masking;

    ShellChannel(Recordings recordings, SshMasking masking) {
        this.recordings = recordings;
        this.masking = masking;
    }

    @Override
    void run(CallerSession caller) throws IOException {
        Asciicast recorder = recordings.of(caller.session());
        Optional<PtyChannelConfiguration> pty = caller.permitPty() ? pty() : Optional.empty();
        // the recording's header takes the terminal's size before anything (the verdict's marker) is recorded
        pty.ifPresent(p -> recorder.header(p.getPtyColumns(), p.getPtyLines(), p.getPtyType()));
        Map<String, String> env = allowedEnvironment(caller);
        Optional<String> refusal = caller.forceCommand()
                .map(forced -> "the caller's certificate forces the command \"" + forced + "\"");
        Submission answer = caller.session().submit(new CommandRequest("shell", List.of(),
                List.of(SshCommands.shell()), refusal), watch());
        if (answer instanceof Submission.Refuse refuse) {
            finish(EXIT_REFUSED, refuse.message());
            return;
        }
        Instant started = Instant.now();
        CommandOutcome.Exit outcome;
        List<java.io.OutputStream> maskers = List.of();
        try {
            ChannelShell shell = caller.upstream().createShellChannel(pty.orElse(null), env);
            upstream(shell);
            InputLines lines = new InputLines(text -> recorder.marker("observed input: " + text));
            shell.setIn(new FilterInputStream(in) {
                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    int n = super.read(b, off, len);
                    if (n > 0) {
                        caller.session().countFromClient(n);
                        lines.feed(b, off, n);
                        recorder.input(new String(b, off, n, java.nio.charset.StandardCharsets.UTF_8));
                    }
                    return n;
                }
            });
            // the terminal's output reaches the caller masked (same length, escape sequences kept)
            Optional<java.util.function.UnaryOperator<String>> mask = masking.sameLengthForCaller(caller.grant());
            java.io.OutputStream stdout = new RecordingStream(out, recorder::output, caller.session()::countToClient,
                    Long.MAX_VALUE);
            java.io.OutputStream stderr = new RecordingStream(err, recorder::output, caller.session()::countToClient,
                    Long.MAX_VALUE);
            if (mask.isPresent()) {
                stdout = new TerminalMaskingStream(stdout, mask.get());
                stderr = new TerminalMaskingStream(stderr, mask.get());
                maskers = List.of(stdout, stderr);
            }
            shell.setOut(new NoCloseOutputStream(stdout));
            shell.setErr(new NoCloseOutputStream(stderr));
            environment.addSignalListener((channel, signal) -> {
                int columns = number(Environment.ENV_COLUMNS, 80);
                int rows = number(Environment.ENV_LINES, 24);
                recorder.resize(columns, rows);
                try {
                    shell.sendWindowChange(columns, rows);
                } catch (IOException e) {
                    // the shell is closing
                }
            }, Signal.WINCH);
            shell.open().verify(Upstreams.CONNECT_TIMEOUT);
            outcome = await(shell);
            for (java.io.OutputStream masker : maskers) {
                masker.close(); // what waited for the hold
            }
        } catch (IOException | RuntimeException e) {
            closeQuietly(maskers);
            caller.session().completed(answer.commandId(), new CommandOutcome.Exit(EXIT_FAILED, "",
                    "not run: " + e.getMessage()), Duration.between(started, Instant.now()));
            throw e;
        }
        caller.session().completed(answer.commandId(), outcome, Duration.between(started, Instant.now()));
        finish(outcome.status());
    }

}
