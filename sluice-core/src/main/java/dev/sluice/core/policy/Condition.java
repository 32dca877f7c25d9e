package dev.sluice.core.policy;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Which commands a rule matches: every non-empty part must match (AND). With every part empty the rule matches every
 * command on its selectors.
 *
 * @param kinds     upper-case command kinds; also {@code UNKNOWN} and {@code OPAQUE}
 * @param tables    table globs ({@code *} any run of characters, {@code ?} one character), lower-case
 * @param functions function names or globs, lower-case; {@code dangerous} stands for the configured dangerous set
 * @param when      a CEL expression, compiled when the policy set was parsed
 * @param reason    custom text for the deny or hold reason
 */
public record Condition(Set<String> kinds, List<String> tables, List<String> functions, Optional<String> when,
                        Optional<String> reason) {

    public static final Condition ANY = new Condition(Set.of(), List.of(), List.of(), Optional.empty(), Optional.empty());

    public static final String DANGEROUS = "dangerous";
    public static final String OPAQUE = "OPAQUE";

    public Condition {
        kinds = Set.copyOf(kinds);
        tables = List.copyOf(tables);
        functions = List.copyOf(functions);
    }
}
