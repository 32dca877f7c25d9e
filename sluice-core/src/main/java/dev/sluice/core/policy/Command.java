package dev.sluice.core.policy;

import java.util.Map;
import java.util.Set;

/**
 * One command of any protocol, as policy, holds, masking and the audit trail see it: never bytes. A protocol module
 * decodes what its client sent into one of these records and submits it to the core session
 * ({@code dev.sluice.core.session.GatewaySession#submit}); nothing else in core knows the protocol.
 *
 * <p>Every variant has a primary {@link #kind} (upper-case: {@code SELECT}, {@code EXEC}, {@code WRITE},
 * {@code DELETE}, {@code GET}, {@code TOOL}) and all the {@link #kinds} it performs; rule bodies match them with
 * {@code kinds:}. The values that rule bodies match with globs are in {@link #objects}, under the rule key that names
 * them ({@code tables}, {@code functions}, {@code commands}, {@code paths}, {@code resources}, {@code namespaces},
 * {@code names}, {@code hosts}, {@code tools}). CEL conditions see the common fields and {@link #fields}.
 */
public sealed interface Command
        permits SqlCommand, ExecCommand, FileCommand, KubeCommand, HttpCommand, ToolCommand {

    /** The kind of a command that could not be decoded or classified: never allowed where a rule restricts. */
    String UNKNOWN = "UNKNOWN";

    /** Rule keys of {@link #objects}. */
    String TABLES = "tables";
    String FUNCTIONS = "functions";
    String COMMANDS = "commands";
    String PATHS = "paths";
    String RESOURCES = "resources";
    String NAMESPACES = "namespaces";
    String NAMES = "names";
    String HOSTS = "hosts";
    String TOOLS = "tools";

    /** Every rule key a command can carry, in the order docs/policy.md lists them. */
    Set<String> OBJECT_KEYS = Set.of(TABLES, FUNCTIONS, COMMANDS, PATHS, RESOURCES, NAMESPACES, NAMES, HOSTS, TOOLS);

    /** The protocol that produced it: {@code postgres}, {@code ssh}, {@code kubernetes}, {@code http}, {@code mcp}. */
    String protocol();

    /** The primary kind, upper-case. */
    String kind();

    /** Every kind it performs, {@link #kind} first. */
    Set<String> kinds();

    /** The command as its client sent it, in one line of text (clear: core masks it before recording). */
    String text();

    /** True when its effect cannot be known in advance (a {@code DO} block, a shell command line Sluice cannot read). */
    default boolean opaque() {
        return false;
    }

    default boolean unknown() {
        return UNKNOWN.equals(kind());
    }

    /** {@code kind}, then the other kinds in order, joined by {@code +}: {@code UPDATE+INSERT}; as audited. */
    default String kindsLabel() {
        return String.join("+", kinds());
    }

    /** Rule key → the values rule globs match (only the keys this family has). */
    Map<String, Set<String>> objects();

    /** The family's own CEL fields ({@code command.NAME}); the others read as empty. See {@code CelSupport}. */
    Map<String, Object> fields();
}
