package dev.sluice.core.session;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

import dev.sluice.core.approval.HeldPreview;
import dev.sluice.core.policy.Command;

/**
 * One command as a protocol submits it to its {@link GatewaySession}.
 *
 * @param text       what is audited as the command, in clear: the session masks it (the connection's detectors, for
 *                   every caller) and bounds it ({@code audit.max-statement-bytes}) before anything records it
 * @param parameters bound parameters in clear, masked the same way; empty when the protocol has none
 * @param commands   what the text does, decoded by the protocol (a SQL string may hold several statements); empty
 *                   for a text that runs nothing
 * @param refusal    a refusal the protocol itself decided (it cannot tell what the target would run): recorded and
 *                   refused without asking the policy
 * @param preview    what approvers are shown beyond the text when the command is held (an HTTP request's body and
 *                   headers), built only then; the session masks it again before it is stored
 */
public record CommandRequest(String text, List<String> parameters, List<? extends Command> commands,
                             Optional<String> refusal, Supplier<HeldPreview> preview) {

    public CommandRequest {
        Objects.requireNonNull(text, "text");
        parameters = List.copyOf(parameters);
        commands = List.copyOf(commands);
        Objects.requireNonNull(refusal, "refusal");
        Objects.requireNonNull(preview, "preview");
    }

    /** A command without a preview. */
    public CommandRequest(String text, List<String> parameters, List<? extends Command> commands,
                          Optional<String> refusal) {
        this(text, parameters, commands, refusal, HeldPreview::none);
    }

    /** This command, showing approvers {@code preview} (asked for only when it is held). */
    public CommandRequest withPreview(Supplier<HeldPreview> preview) {
        return new CommandRequest(text, parameters, commands, refusal, preview);
    }

    /** A command with no parameters, judged by the policy. */
    public static CommandRequest of(String text, List<? extends Command> commands) {
        return new CommandRequest(text, List.of(), commands, Optional.empty());
    }

    /** One command, its text its own. */
    public static CommandRequest of(Command command) {
        return of(command.text(), List.of(command));
    }

    /** A command refused by the protocol: {@code reason} says why. */
    public static CommandRequest refused(String text, List<? extends Command> commands, String reason) {
        return new CommandRequest(text, List.of(), commands, Optional.of(reason));
    }
}
