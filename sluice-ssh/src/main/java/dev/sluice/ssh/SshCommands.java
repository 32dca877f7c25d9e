package dev.sluice.ssh;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import dev.sluice.core.exec.ShellLine;
import dev.sluice.core.policy.Command;
import dev.sluice.core.policy.Condition;
import dev.sluice.core.policy.ExecCommand;
import dev.sluice.core.policy.FileCommand;
import dev.sluice.ssh.sftp.FileOp;

/** Turns what an SSH caller asks for into the core's {@link Command}s. Stateless. */
final class SshCommands {
    static final String PROTOCOL = CallerAuth.PROTOCOL;
    /**
     * Environment variables that only choose a language, a terminal or a time zone; any other name may change what
     * the target's shell or a program runs ({@code PATH}, {@code BASH_ENV}, {@code LD_PRELOAD}, {@code PYTHONPATH},
     * {@code GIT_SSH_COMMAND}, {@code PAGER}, ...), so its {@code env} request is opaque.
     */
    private static final Set<String> PLAIN_ENV = Set.of("LANG", "LANGUAGE", "TERM", "COLORTERM", "TZ");

    private SshCommands() {
    }

    /**
     * An exec request: the command line read as the shell will ({@link ExecLine}), plus the file operations of a
     * recognised transfer ({@link FileTransfer}: {@code scp -t/-f}, {@code rsync --server}). A recursive rsync
     * ({@code -r}/{@code -d}) can touch anything below its roots, which Sluice cannot see: its exec is opaque, so it
     * is refused wherever a restrictive rule could apply, unless a rule allows it explicitly. A recursive legacy scp
     * is not opaque: each file and directory of its stream is judged on its own ({@code ScpGate}).
     */
    static List<Command> exec(String line) {
        ShellLine.Reading reading = ExecLine.read(line);
        Optional<FileTransfer> transfer = transfer(reading);
        boolean blind = transfer.map(t -> t.recursive() && t.tool().equals("rsync")).orElse(false);
        List<Command> result = new ArrayList<>();
        if (blind) {
            result.add(new ShellLine.Reading(reading.programs(), reading.argv(), true,
                    List.of("recursive rsync")).command(PROTOCOL, "EXEC", line));
        } else {
            result.add(reading.command(PROTOCOL, "EXEC", line));
        }
        transfer.ifPresent(t -> {
            for (String path : t.paths()) {
                result.add(new FileCommand(PROTOCOL, t.kind(), path, Optional.empty()));
            }
        });
        return result;
    }

    /** The file transfer an exec line performs, when it is one of the exact forms {@link FileTransfer} knows. */
    static Optional<FileTransfer> transfer(String line) {
        return transfer(ExecLine.read(line));
    }

    private static Optional<FileTransfer> transfer(ShellLine.Reading reading) {
        return reading.opaque() ? Optional.empty() : FileTransfer.of(reading.argv());
    }

    static ExecCommand shell() {
        return new ExecCommand(PROTOCOL, "SHELL", "", List.of(), true);
    }

    static ExecCommand env(String name, String value) {
        boolean opaque = !PLAIN_ENV.contains(name) && !name.startsWith("LC_");
        return new ExecCommand(PROTOCOL, "ENV", name + "=" + value, List.of(), opaque, kinds("ENV", opaque));
    }

    /**
     * An opaque exec line or env request is also of kind {@code OPAQUE}: an allow rule must list it to allow one
     * ({@code kinds: [EXEC, OPAQUE]}), as listing {@code EXEC} with argument globs ({@code "echo *"}) allows what
     * the globs can see, not shell code hidden in backquotes, {@code "$(...)"} or redirections (fail closed).
     */
    private static Set<String> kinds(String kind, boolean opaque) {
        return opaque ? Set.of(kind, Condition.OPAQUE) : Set.of(kind);
    }

    static ExecCommand subsystem(String name) {
        return new ExecCommand(PROTOCOL, "SUBSYSTEM", name, List.of(name), false);
    }

    static ExecCommand forward(String host, int port) {
        return new ExecCommand(PROTOCOL, "FORWARD", host + ":" + port, List.of(), false);
    }

    /** A request Sluice never forwards (agent or X11 forwarding, remote forwarding): recorded as refused. */
    static ExecCommand refusedRequest(String what) {
        return new ExecCommand(PROTOCOL, "FORWARD", what, List.of(), true);
    }

    static List<Command> files(List<FileOp> ops) {
        return ops.stream().<Command>map(op -> new FileCommand(PROTOCOL, op.kind(), op.path(), op.targetPath()))
                .toList();
    }
}
