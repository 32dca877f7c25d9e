package dev.sluice.ssh;

import java.util.List;

import dev.sluice.core.session.CommandRequest;
import dev.sluice.core.session.Submission;

/**
 * A subsystem other than {@code sftp}: never forwarded (Sluice cannot read what it would carry), but accepted as a
 * channel so that the refusal is recorded like any other verdict ({@code SUBSYSTEM name}, denied with the reason) and
 * the caller reads the reason on stderr, with exit status 126, instead of a bare "subsystem request failed".
 */
final class RefusedSubsystem extends RelayCommand {
    private final String name;

    RefusedSubsystem(String name) {
        this.name = name;
    }

    @Override
    void run(CallerSession caller) {
        Submission answer = caller.session().submit(CommandRequest.refused("subsystem " + name,
                List.of(SshCommands.subsystem(name)), "subsystem \"" + name
                        + "\" is not supported through Sluice (only sftp is)"), watch());
        finish(EXIT_REFUSED, answer instanceof Submission.Refuse refuse ? refuse.message()
                : "subsystem \"" + name + "\" is refused");
    }
}
