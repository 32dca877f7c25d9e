package dev.sluice.core.policy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import com.google.common.collect.ImmutableCollection;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSet;
import com.google.protobuf.Timestamp;
import dev.cel.bundle.Cel;
import dev.cel.bundle.CelBuilder;
import dev.cel.bundle.CelFactory;
import dev.cel.common.CelIssue;
import dev.cel.common.CelOptions;
import dev.cel.common.CelValidationException;
import dev.cel.common.CelValidationResult;
import dev.cel.common.types.CelType;
import dev.cel.common.types.CelTypeProvider;
import dev.cel.common.types.ListType;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.common.types.StructType;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;

/**
 * The CEL environment of {@code when} conditions. Each root variable ({@code identity}, {@code connection},
 * {@code command}, {@code request}, {@code client}) is declared as a struct type with typed fields, so a misspelt
 * field or a type mismatch is a compile error at parse time, not a runtime surprise. At evaluation the roots are
 * plain maps. Compiled programs are immutable and safe to evaluate from many threads.
 */
final class CelSupport {

    /** Root variable → field → type. The single source of truth for the schema documented in docs/policy.md. */
    static final Map<String, Map<String, CelType>> SCHEMA = schema();

    /** Bounds the work of one condition: a comprehension that iterates more fails, and the rule fails closed. */
    private static final int MAX_ITERATIONS = 10_000;

    private static final Cel CEL = build();

    /** Every family's CEL fields, empty: a command of another family reads them so (see {@link Command#fields}). */
    private static final Map<String, Object> COMMAND_DEFAULTS = commandDefaults();

    private CelSupport() {
    }

    /** A condition that does not compile; the message says where in the expression. */
    static final class CompileError extends Exception {
        CompileError(String message) {
            super(message);
        }
    }

    static CelRuntime.Program compile(String expression) throws CompileError {
        CelValidationResult validation = CEL.compile(expression);
        if (validation.hasError()) {
            throw new CompileError(describe(validation.getErrors()));
        }
        try {
            return CEL.createProgram(validation.getAst());
        } catch (CelValidationException | CelEvaluationException e) {
            throw new CompileError(e.getMessage());
        }
    }

    /**
     * Evaluates a compiled condition. Any failure, including a non-boolean result, is an exception: the caller
     * decides how to fail closed.
     */
    static boolean eval(CelRuntime.Program program, Map<String, Object> activation) throws CelEvaluationException {
        Object value = program.eval(activation);
        if (value instanceof Boolean result) {
            return result;
        }
        throw new CelEvaluationException("condition did not yield a bool");
    }

    static Map<String, Object> activation(PolicyInput input) {
        Command command = input.command();
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("identity", Map.of(
                "issuer", input.principal().issuer(),
                "subject", input.principal().subject(),
                "groups", input.principal().groups().stream().sorted().toList(),
                "kind", input.principal().kind().label(),
                "actor", input.principal().actors().stream().map(a -> a.subject()).toList()));
        result.put("connection", Map.of("name", input.connection(), "labels", input.connectionLabels()));
        Map<String, Object> fields = new LinkedHashMap<>(COMMAND_DEFAULTS);
        fields.putAll(command.fields());
        fields.put("protocol", command.protocol());
        fields.put("kind", command.kind());
        fields.put("kinds", command.kinds().stream().sorted().toList());
        fields.put("text", command.text());
        fields.put("opaque", command.opaque());
        result.put("command", fields);
        result.put("request", Map.of("time", Timestamp.newBuilder()
                .setSeconds(input.time().getEpochSecond()).setNanos(input.time().getNano()).build()));
        result.put("client", Map.of("address", input.clientAddress()));
        return result;
    }

    private static String describe(List<CelIssue> issues) {
        return issues.stream().map(issue -> {
            var at = issue.getSourceLocation();
            String where = at.getLine() > 0
                    ? " (expression line " + at.getLine() + ", column " + (at.getColumn() + 1) + ")" : "";
            return issue.getMessage() + where;
        }).collect(Collectors.joining("; "));
    }

    private static Map<String, Map<String, CelType>> schema() {
        CelType strings = ListType.create(SimpleType.STRING);
        Map<String, Map<String, CelType>> result = new LinkedHashMap<>();
        result.put("identity", ordered("issuer", SimpleType.STRING, "subject", SimpleType.STRING,
                "groups", strings, "kind", SimpleType.STRING, "actor", strings));
        result.put("connection", ordered("name", SimpleType.STRING,
                "labels", MapType.create(SimpleType.STRING, SimpleType.STRING)));
        CelType text = SimpleType.STRING;
        result.put("command", ordered("protocol", text, "kind", text, "kinds", strings, "text", text,
                "opaque", SimpleType.BOOL,
                // SQL
                "tables", strings, "functions", strings, "has_where", SimpleType.BOOL,
                "statement_count", SimpleType.INT,
                // exec and shell
                "command_line", text, "programs", strings,
                // files
                "path", text, "target_path", text,
                // Kubernetes
                "verb", text, "group", text, "version", text, "resource", text, "subresource", text,
                "namespace", text, "name", text, "kubectl_command", text,
                // HTTP (path above)
                "method", text, "host", text, "query", text, "headers", MapType.create(text, text),
                // MCP tools
                "server", text, "tool", text, "arguments", text));
        result.put("request", ordered("time", SimpleType.TIMESTAMP));
        result.put("client", ordered("address", SimpleType.STRING));
        return java.util.Collections.unmodifiableMap(result);
    }

    private static Map<String, Object> commandDefaults() {
        Map<String, Object> result = new LinkedHashMap<>();
        SCHEMA.get("command").forEach((field, type) -> result.put(field,
                type instanceof ListType ? List.of()
                        : type instanceof MapType ? Map.of()
                        : type == SimpleType.BOOL ? false
                        : type == SimpleType.INT ? 0L
                        : ""));
        return java.util.Collections.unmodifiableMap(result);
    }

    private static Map<String, CelType> ordered(Object... pairs) {
        Map<String, CelType> result = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            result.put((String) pairs[i], (CelType) pairs[i + 1]);
        }
        return java.util.Collections.unmodifiableMap(result);
    }

    static String typeName(String root) {
        return "sluice." + root;
    }

    private static Cel build() {
        List<CelType> types = SCHEMA.entrySet().stream().<CelType>map(root -> StructType.create(
                typeName(root.getKey()), ImmutableSet.copyOf(root.getValue().keySet()),
                field -> Optional.ofNullable(root.getValue().get(field)))).toList();
        CelTypeProvider provider = new CelTypeProvider() {
            @Override
            public ImmutableCollection<CelType> types() {
                return ImmutableList.copyOf(types);
            }

            @Override
            public Optional<CelType> findType(String name) {
                return types.stream().filter(t -> t.name().equals(name)).findFirst();
            }
        };
        CelBuilder builder = CelFactory.standardCelBuilder()
                .setOptions(CelOptions.current().comprehensionMaxIterations(MAX_ITERATIONS).build())
                .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
                .setTypeProvider(provider)
                .setResultType(SimpleType.BOOL);
        for (CelType type : types) {
            builder.addVar(type.name().substring("sluice.".length()), type);
        }
        return builder.build();
    }
}
