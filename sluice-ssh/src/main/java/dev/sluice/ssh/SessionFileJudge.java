package dev.sluice.ssh;

import java.time.Duration;
import java.util.List;

import dev.sluice.core.approval.HoldWatch;
import dev.sluice.core.audit.CommandOutcome;
import dev.sluice.core.session.CommandRequest;
import dev.sluice.core.session.Submission;
import dev.sluice.ssh.sftp.FileJudge;
import dev.sluice.ssh.sftp.FileOp;

/**
 * The {@link FileJudge} of the SFTP and scp gates over the caller's core session: each request's file operations
 * become one command ({@code prefix + text} as audited), judged (and held) by the session; outcomes and byte counts
 * go to the same session. Called from the gates' two threads; the session is thread-safe.
 */
final class SessionFileJudge implements FileJudge {
    private final CallerSession caller;
    private final HoldWatch watch;
    private final String prefix;

    SessionFileJudge(CallerSession caller, HoldWatch watch, String prefix) {
        this.caller = caller;
        this.watch = watch;
        this.prefix = prefix;
    }

    @Override
    public Answer judge(String text, List<FileOp> ops) {
        Submission answer = caller.session().submit(CommandRequest.of(prefix + text, SshCommands.files(ops)), watch);
        return switch (answer) {
            case Submission.Forward forward -> new Answer.Forward(forward.commandId());
            case Submission.Refuse refuse -> new Answer.Refuse(refuse.message());
        };
    }

    @Override
    public void completed(long commandId, int status, String message) {
        caller.session().completed(commandId, new CommandOutcome.Exit(status, "", status == 0 ? "" : message),
                Duration.ZERO);
    }

    @Override
    public void transferred(long fromClient, long toClient) {
        caller.session().countFromClient(fromClient);
        caller.session().countToClient(toClient);
    }

    @Override
    public void refused(String text, String reason) {
        caller.session().submit(CommandRequest.refused(prefix + text, List.of(), reason), watch);
    }
}
