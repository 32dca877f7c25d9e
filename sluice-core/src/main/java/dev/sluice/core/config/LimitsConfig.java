package dev.sluice.core.config;

import java.util.Set;

/**
 * The top-level {@code limits} section: how much work one statement may cost Sluice before it is judged. A statement
 * over any bound is refused (never forwarded, never parsed further) with "statement too large to judge" or
 * "statement too complex to judge", and audited as refused.
 *
 * <pre>
 * limits:
 *   max-statement-bytes: 1048576   # UTF-8 bytes of one query string or Parse (1 KiB .. 4 MiB, default 1 MiB)
 *   max-statement-tokens: 100000   # lexical tokens of it, comments excluded (100 .. 4194304, default 100000)
 *   max-statement-depth: 1000      # estimated nesting depth of its parse tree (10 .. 4194304, default 1000)
 * </pre>
 *
 * The depth is estimated from the tokens before the statement is parsed: each parenthesis, bracket or CASE opens a
 * level, and within a level each operator or keyword deepens it until a comma, semicolon, AND, OR, WHEN, THEN or ELSE
 * (whose operands PostgreSQL keeps side by side, not nested). {@code 1+1+...+1} with n terms is n deep.
 *
 * @param maxStatementBytes  the most UTF-8 bytes of one statement string
 * @param maxStatementTokens the most tokens
 * @param maxStatementDepth  the deepest estimated nesting
 */
public record LimitsConfig(int maxStatementBytes, int maxStatementTokens, int maxStatementDepth) {
    static final Set<String> KEYS = Set.of("max-statement-bytes", "max-statement-tokens", "max-statement-depth");
    public static final int DEFAULT_MAX_STATEMENT_BYTES = 1024 * 1024;
    /** The parser's own hard limit (PgQueryRunner): a larger bound cannot be configured. */
    public static final int MAX_STATEMENT_BYTES = 4 * 1024 * 1024;
    public static final int DEFAULT_MAX_STATEMENT_TOKENS = 100_000;
    public static final int DEFAULT_MAX_STATEMENT_DEPTH = 1000;

    public LimitsConfig {
        if (maxStatementBytes < 1024 || maxStatementBytes > MAX_STATEMENT_BYTES) {
            throw new IllegalArgumentException("maxStatementBytes must be between 1024 and " + MAX_STATEMENT_BYTES);
        }
        if (maxStatementTokens < 100 || maxStatementTokens > MAX_STATEMENT_BYTES) {
            throw new IllegalArgumentException("maxStatementTokens must be between 100 and " + MAX_STATEMENT_BYTES);
        }
        if (maxStatementDepth < 10 || maxStatementDepth > MAX_STATEMENT_BYTES) {
            throw new IllegalArgumentException("maxStatementDepth must be between 10 and " + MAX_STATEMENT_BYTES);
        }
    }

    /** The defaults: 1 MiB, 100,000 tokens, depth 1000. */
    public static LimitsConfig defaults() {
        return new LimitsConfig(DEFAULT_MAX_STATEMENT_BYTES, DEFAULT_MAX_STATEMENT_TOKENS,
                DEFAULT_MAX_STATEMENT_DEPTH);
    }

    /** Binds the {@code limits} section of {@code root} (absent: the defaults), recording problems. */
    public static LimitsConfig bind(ConfigNode root, ConfigProblems problems) {
        ConfigNode node = problems.map(root, "limits"); // unknown keys: rejected by the loader, which knows them all
        int bytes = problems.integer(node, "max-statement-bytes", DEFAULT_MAX_STATEMENT_BYTES, 1024,
                MAX_STATEMENT_BYTES);
        int tokens = problems.integer(node, "max-statement-tokens", DEFAULT_MAX_STATEMENT_TOKENS, 100,
                MAX_STATEMENT_BYTES);
        int depth = problems.integer(node, "max-statement-depth", DEFAULT_MAX_STATEMENT_DEPTH, 10,
                MAX_STATEMENT_BYTES);
        return new LimitsConfig(bytes, tokens, depth);
    }

    /** The section of a validated config; problems were reported when it was loaded, so they are ignored here. */
    public static LimitsConfig of(SluiceConfig config) {
        return bind(config.raw(), new ConfigProblems());
    }
}
