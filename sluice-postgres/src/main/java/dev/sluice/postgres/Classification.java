package dev.sluice.postgres;

import dev.sluice.core.policy.Command;

import java.util.List;
import java.util.Optional;

/**
 * What {@link SqlClassifier#classify(String)} found in one SQL string.
 *
 * @param commands one command per statement, in order; empty for a string without statements ({@code ""},
 *                 {@code ";"}, only comments); a single {@link Command#UNKNOWN} command for a string the parser
 *                 rejected
 * @param prepared the prepared-statement names the commands create, run or drop, in order
 * @param settingsRefusal why Sluice refuses the string whatever the policy says: a statement in it tries to change a
 *                 setting Sluice pins ({@link SessionSettingsWalker}); empty otherwise
 */
public record Classification(List<Command> commands, List<PreparedRef> prepared, Optional<String> settingsRefusal) {

    public Classification {
        commands = List.copyOf(commands);
        prepared = List.copyOf(prepared);
    }

    public Classification(List<Command> commands, List<PreparedRef> prepared) {
        this(commands, prepared, Optional.empty());
    }

    /** Whether any command is {@link Command#UNKNOWN}. */
    public boolean hasUnknown() {
        return commands.stream().anyMatch(Command::unknown);
    }
}
