package dev.sluice.core.policy;

import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One MCP tool call.
 *
 * @param server        the MCP server (connection) it goes to
 * @param tool          the tool's name
 * @param argumentsJson its arguments as JSON text (clear: core masks it before recording)
 */
public record ToolCommand(String server, String tool, String argumentsJson) implements Command {

    public ToolCommand {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(tool, "tool");
        Objects.requireNonNull(argumentsJson, "argumentsJson");
    }

    @Override
    public String protocol() {
        return "mcp";
    }

    @Override
    public String kind() {
        return "TOOL";
    }

    @Override
    public Set<String> kinds() {
        return Set.of(kind());
    }

    @Override
    public String text() {
        return tool + " " + argumentsJson;
    }

    @Override
    public Map<String, Set<String>> objects() {
        return Map.of(TOOLS, Set.of(tool));
    }

    @Override
    public Map<String, Object> fields() {
        return Map.of("server", server, "tool", tool, "arguments", argumentsJson);
    }
}
