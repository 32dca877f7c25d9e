package dev.sluice.ssh;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;

import org.apache.sshd.client.channel.ChannelSubsystem;
import org.apache.sshd.client.channel.ClientChannel;

import dev.sluice.core.audit.CommandOutcome;
import dev.sluice.core.session.CommandRequest;
import dev.sluice.core.session.Submission;
import dev.sluice.ssh.sftp.FileJudge;
import dev.sluice.ssh.sftp.MaskedReads;
import dev.sluice.ssh.sftp.SftpGate;

/**
 * The {@code sftp} subsystem (also what {@code scp} uses by default since OpenSSH 9): judged as a {@code SUBSYSTEM}
 * command, then relayed to the target's own {@code sftp-server} through an {@link SftpGate} that judges each file
 * operation with the core session and answers refused ones {@code SSH_FX_PERMISSION_DENIED}. Where the caller's
 * masking rules have detectors, what it reads of files is masked ({@link MaskedReads}).
 */
final class SftpChannel extends RelayCommand {
    private final SshMasking masking;

    SftpChannel(SshMasking masking) {
        this.masking = masking;
    }

    @Override
    void run(CallerSession caller) throws IOException {
        allowedEnvironment(caller); // judged and recorded; the target's sftp-server takes no environment
        Submission answer = caller.session().submit(CommandRequest.of(SshCommands.subsystem("sftp")), watch());
        if (answer instanceof Submission.Refuse refuse) {
            finish(EXIT_REFUSED, refuse.message());
            return;
        }
        Instant started = Instant.now();
        ChannelSubsystem sftp = caller.upstream().createSubsystemChannel("sftp");
        upstream(sftp);
        sftp.setStreaming(ClientChannel.Streaming.Sync);
        sftp.open().verify(Upstreams.CONNECT_TIMEOUT);
        // what the caller reads of files is masked as its exec output is, keeping every byte's offset
        SftpGate gate = new SftpGate(in, out, sftp.getInvertedOut(), sftp.getInvertedIn(), judge(caller),
                masking.sameLengthForCaller(caller.grant()).map(MaskedReads::new));
        try {
            gate.run();
        } finally {
            sftp.close(false);
        }
        CommandOutcome.Exit outcome = await(sftp);
        caller.session().completed(answer.commandId(), outcome, Duration.between(started, Instant.now()));
        finish(0);
    }

    private FileJudge judge(CallerSession caller) {
        return new SessionFileJudge(caller, watch(), "sftp ");
    }
}
