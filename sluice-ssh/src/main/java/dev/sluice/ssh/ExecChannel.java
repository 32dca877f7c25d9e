package dev.sluice.ssh;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannel;
import org.apache.sshd.common.channel.PtyChannelConfiguration;
import org.apache.sshd.common.util.io.output.NoCloseOutputStream;

import dev.sluice.core.audit.CommandOutcome;
import dev.sluice.core.policy.Command;
import dev.sluice.core.session.CommandRequest;
import dev.sluice.core.session.Submission;
import dev.sluice.ssh.scp.ScpGate;
import dev.sluice.ssh.sftp.FileJudge;

/**
 * An {@code exec} request: the command line is judged as a whole ({@link SshCommands#exec}); an allowed one runs on
 * the target with the caller's stdin, stdout and stderr relayed and its exit status (or signal) returned and audited
 * as the outcome. A refused one never reaches the target: exit status 126 and Sluice's message on stderr. A held one
 * waits, with a line on stderr saying so. Output is recorded (masked, capped) unless it is a file transfer, whose
 * operations are recorded as commands instead; a legacy scp stream is judged file by file ({@link ScpGate}).
 */
final class ExecChannel extends RelayCommand {
    private final String line;
    private final Recordings recordings;
    private final SshMasking masking;

    ExecChannel(String line, Recordings recordings, SshMasking masking) {
        this.line = line;
        this.recordings = recordings;
        this.masking = masking;
    }

    @Override
    void run(CallerSession caller) throws IOException {
        Map<String, String> env = allowedEnvironment(caller);
        List<Command> commands = SshCommands.exec(line);
        Optional<String> refusal = caller.forceCommand().filter(forced -> !forced.equals(line))
                .map(forced -> "the caller's certificate forces the command \"" + forced + "\"");
        if (refusal.isEmpty() && unmaskable(line) && masking.forCaller(caller.grant()).isPresent()) {
            // Fail closed: these streams carry file contents (or rsync's block checksums of them) Sluice cannot mask.
            refusal = Optional.of("masking applies to what this connection reads, and a legacy scp download or rsync "
                    + "cannot be masked; use sftp, or scp without -O");
        }
        Submission answer = caller.session().submit(new CommandRequest(line, List.of(), commands, refusal), watch());
        if (answer instanceof Submission.Refuse refuse) {
            finish(EXIT_REFUSED, refuse.message());
            return;
        }
        Optional<FileTransfer> scp = SshCommands.transfer(line).filter(t -> t.tool().equals("scp"));
        if (scp.isPresent()) {
            scp(caller, answer.commandId(), env, scp.get());
            return;
        }
        Instant started = Instant.now();
        CommandOutcome.Exit outcome;
        java.io.OutputStream[] maskers = new java.io.OutputStream[2];
        try {
            Optional<PtyChannelConfiguration> pty = caller.permitPty() ? pty() : Optional.empty();
            ChannelExec exec = caller.upstream().createExecChannel(line, pty.orElse(null), env);
            upstream(exec);
            boolean transfer = commands.size() > 1;
            Asciicast recorder = recordings.of(caller.session());
            exec.setIn(in);
            // Masking: line by line without a PTY; with one, a terminal's same-length masking that holds little.
            Optional<java.util.function.UnaryOperator<String>> mask = transfer ? Optional.empty()
                    : pty.isPresent() ? masking.sameLengthForCaller(caller.grant())
                    : masking.forCaller(caller.grant());
            java.io.OutputStream stdout = transfer ? counting(out, caller, true)
                    : new RecordingStream(out, recorder::output, caller.session()::countToClient,
                    Asciicast.MAX_OUTPUT_PER_COMMAND);
            java.io.OutputStream stderr = transfer ? counting(err, caller, true)
                    : new RecordingStream(err, recorder::output, caller.session()::countToClient,
                    Asciicast.MAX_OUTPUT_PER_COMMAND);
            if (mask.isPresent() && pty.isPresent()) {
                maskers[0] = new TerminalMaskingStream(stdout, mask.get());
                maskers[1] = new TerminalMaskingStream(stderr, mask.get());
                stdout = maskers[0];
                stderr = maskers[1];
            } else if (mask.isPresent()) {
                maskers[0] = new MaskingStream(stdout, mask.get());
                maskers[1] = new MaskingStream(stderr, mask.get());
                stdout = maskers[0];
                stderr = maskers[1];
            }
            exec.setOut(new NoCloseOutputStream(stdout));
            exec.setErr(new NoCloseOutputStream(stderr));
            exec.open().verify(Upstreams.CONNECT_TIMEOUT);
            outcome = await(exec);
            for (java.io.OutputStream masker : maskers) {
                if (masker != null) {
                    masker.close(); // the last line without a newline
                }
            }
        } catch (IOException | RuntimeException e) {
            closeQuietly(java.util.Arrays.asList(maskers));
            caller.session().completed(answer.commandId(), new CommandOutcome.Exit(EXIT_FAILED, "",
                    "not run: " + e.getMessage()), Duration.between(started, Instant.now()));
            throw e;
        }
        caller.session().completed(answer.commandId(), outcome, Duration.between(started, Instant.now()));
        finish(outcome.status());
    }

    /**
     * A legacy scp transfer ({@code scp -t}/{@code scp -f}), relayed through an {@link ScpGate} that judges each file
     * and directory of its stream. Fail closed: the target gets no PTY even if the caller asked for one, since a
     * terminal's line discipline would change the bytes the host's scp reads, and Sluice must read the stream
     * exactly as the host does.
     */
    private void scp(CallerSession caller, long commandId, Map<String, String> env, FileTransfer transfer)
            throws IOException {
        Instant started = Instant.now();
        CommandOutcome.Exit outcome;
        try {
            ChannelExec exec = caller.upstream().createExecChannel(line, null, env);
            upstream(exec);
            exec.setStreaming(ClientChannel.Streaming.Sync);
            exec.setErr(new NoCloseOutputStream(counting(err, caller, true)));
            exec.open().verify(Upstreams.CONNECT_TIMEOUT);
            FileJudge judge = new SessionFileJudge(caller, watch(), "");
            ScpGate gate = transfer.kind().equals("WRITE")
                    ? ScpGate.upload(transfer.paths().getFirst(), transfer.intoDirectory(), in, out,
                    exec.getInvertedOut(), exec.getInvertedIn(), judge)
                    : ScpGate.download(transfer.paths(), in, out, exec.getInvertedOut(), exec.getInvertedIn(), judge);
            gate.run();
            outcome = await(exec);
        } catch (IOException | RuntimeException e) {
            caller.session().completed(commandId, new CommandOutcome.Exit(EXIT_FAILED, "", "not run: "
                    + e.getMessage()), Duration.between(started, Instant.now()));
            throw e;
        }
        caller.session().completed(commandId, outcome, Duration.between(started, Instant.now()));
        finish(outcome.status());
    }

    /** A legacy {@code scp -f} (download) or any rsync: file contents in a stream Sluice does not mask. */
    private static boolean unmaskable(String line) {
        return SshCommands.transfer(line).map(t -> t.kind().equals("READ")
                || ExecLine.read(line).argv().getFirst().endsWith("rsync")).orElse(false);
    }

    private static java.io.OutputStream counting(java.io.OutputStream out, CallerSession caller, boolean toClient) {
        return new RecordingStream(out, text -> { }, toClient ? caller.session()::countToClient
                : caller.session()::countFromClient, 0);
    }
}
