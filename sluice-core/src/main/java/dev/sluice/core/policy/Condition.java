package dev.sluice.core.policy;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Which commands a rule matches: every non-empty part must match (AND). With every part empty the rule matches every
 * command on its selectors.
 *
 * @param kinds     upper-case command kinds; also {@code UNKNOWN} and {@code OPAQUE}
 * @param tables    table globs ({@code *} any run of characters, {@code ?} one character), lower-case
 * @param functions function names or globs, lower-case; {@code dangerous} stands for the configured dangerous set
 * @param objects   the other protocols' rule keys ({@code commands}, {@code paths}, {@code resources},
 *                  {@code namespaces}, {@code names}, {@code hosts}, {@code tools}) → globs; {@code dangerous}
 *                  stands for the protocol's catalogue under that key
 * @param when      a CEL expression, compiled when the policy set was parsed
 * @param reason    custom text for the deny or hold reason
 */
public record Condition(Set<String> kinds, List<String> tables, List<String> functions,
                        Map<String, List<String>> objects, Optional<String> when, Optional<String> reason) {

    public static final Condition ANY = new Condition(Set.of(), List.of(), List.of(), Optional.empty(),
            Optional.empty());

    public static final String DANGEROUS = "dangerous";
    public static final String OPAQUE = "OPAQUE";

    public Condition {
        kinds = Set.copyOf(kinds);
        tables = List.copyOf(tables);
        functions = List.copyOf(functions);
        objects = Map.copyOf(objects);
    }

    /** A SQL condition: kinds, tables and functions. */
    public Condition(Set<String> kinds, List<String> tables, List<String> functions, Optional<String> when,
                     Optional<String> reason) {
        this(kinds, tables, functions, Map.of(), when, reason);
    }
}
