package dev.sluice.core.policy;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A remote command or session request (SSH, later kubectl exec): run a command line, open a shell, set an environment
 * variable, start a subsystem, forward a port, send a signal.
 *
 * @param protocol  {@code ssh}, {@code kubernetes}
 * @param kind      {@code EXEC}, {@code SHELL}, {@code ENV}, {@code SUBSYSTEM}, {@code FORWARD}, {@code SIGNAL}, or
 *                  {@link Command#UNKNOWN}
 * @param text      the command line (or {@code NAME=value}, the subsystem's name, {@code host:port}) as sent
 * @param programs  the programs the command line runs, lower-case basenames (every one Sluice can see: {@code a; b},
 *                  {@code a | b}, {@code sh -c 'b'}); empty for a shell
 * @param opaque    true when the command line runs code Sluice cannot read ({@code $(...)}, {@code eval}, an
 *                  interpreter fed a script)
 * @param kinds     every kind, {@code kind} first
 */
public record ExecCommand(String protocol, String kind, String text, List<String> programs, boolean opaque,
                          Set<String> kinds) implements Command {

    public ExecCommand {
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(text, "text");
        programs = List.copyOf(programs);
        Set<String> all = new LinkedHashSet<>();
        all.add(kind);
        all.addAll(kinds);
        kinds = java.util.Collections.unmodifiableSet(all);
    }

    public ExecCommand(String protocol, String kind, String text, List<String> programs, boolean opaque) {
        this(protocol, kind, text, programs, opaque, Set.of(kind));
    }

    /** Rule key {@code commands}: each program, and the whole command line (so {@code "rm -rf *"} globs work). */
    @Override
    public Map<String, Set<String>> objects() {
        Set<String> commands = new LinkedHashSet<>(programs);
        if (!text.isEmpty()) {
            commands.add(text);
        }
        return Map.of(COMMANDS, commands);
    }

    @Override
    public Map<String, Object> fields() {
        return Map.of("command_line", text, "programs", programs);
    }
}
