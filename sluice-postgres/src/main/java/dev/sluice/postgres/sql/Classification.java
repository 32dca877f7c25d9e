package dev.sluice.postgres.sql;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

import dev.sluice.core.policy.SqlCommand;

/**
 * What {@link SqlClassifier#classify(String)} found in one SQL string.
 *
 * @param commands one command per statement, in order; empty for a string without statements ({@code ""},
 *                 {@code ";"}, only comments); a single {@link Command#UNKNOWN} command for a string the parser
 *                 rejected
 * @param prepared the prepared-statement names the commands create, run or drop, in order
 * @param refusal  why the string must be refused without judging it (over a configured {@code limits} bound:
 *                 "statement too large to judge: ..."), then {@code commands} is one {@link Command#UNKNOWN} command
 *                 holding the head of the text; empty otherwise
 */
public record Classification(List<SqlCommand> commands, List<PreparedRef> prepared, Optional<String> refusal) {

    public Classification {
        commands = List.copyOf(commands);
        prepared = List.copyOf(prepared);
        Objects.requireNonNull(refusal, "refusal");
    }

    public Classification(List<SqlCommand> commands, List<PreparedRef> prepared) {
        this(commands, prepared, Optional.empty());
    }

    /** Whether any command is {@link SqlCommand#UNKNOWN}. */
    public boolean hasUnknown() {
        return commands.stream().anyMatch(SqlCommand::unknown);
    }
}
