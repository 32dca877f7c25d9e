package dev.sluice.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * What the Policy*E2ETest classes share: the policy of issue 3 (resources under {@code policy/}), the schema the
 * corpus runs against, and the invariant that no refused statement may break.
 */
final class PolicyE2EFixture {
    /** The rules of docs/policy.md plus {@code policy-dir: policies}. */
    static final String POLICIES = resource("policies.yaml");
    static final String HARDENING = resource("hardening.yaml");
    static final String INVARIANT = resource("invariant.sql");

    private PolicyE2EFixture() {
    }

    /** A harness whose config holds the three rules and whose policy directory holds {@code hardening.yaml}. */
    static GatewayHarness start() throws IOException {
        return start("");
    }

    /** As {@link #start()}, with {@code extraYaml} (more top-level config sections) after the rules. */
    static GatewayHarness start(String extraYaml) throws IOException {
        GatewayHarness result = GatewayHarness.start(POLICIES + extraYaml);
        writePolicy(result, "10-hardening.yaml", HARDENING);
        if (!result.gateway().reload()) {
            throw new IllegalStateException("the corpus policy does not load");
        }
        createSchema(result);
        return result;
    }

    static Path policyDir(GatewayHarness harness) {
        return harness.configFile().getParent().resolve("policies");
    }

    /** Writes a policy file atomically (a reader never sees half a file). */
    static void writePolicy(GatewayHarness harness, String name, String yaml) throws IOException {
        Path dir = Files.createDirectories(policyDir(harness));
        Path temp = dir.resolve("." + name + ".tmp");
        Files.writeString(temp, yaml);
        Files.move(temp, dir.resolve(name), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** Creates the corpus tables as {@code app}, the user Sluice connects as, so that they are app's own. */
    static void createSchema(GatewayHarness harness) {
        try (Connection c = harness.direct(); Statement s = c.createStatement()) {
            s.execute("set role app");
            s.execute(resource("schema.sql"));
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create the corpus schema", e);
        }
    }

    /**
     * Whether {@code booleanSql} is true on the real database (checked directly, not through Sluice). Sent as a
     * prepared statement, so that pgjdbc's statement cache prepares a check run after every corpus line once on the
     * server: the invariant's {@code information_schema} views cost ~25 ms to plan and nothing to run. PostgreSQL
     * re-plans a cached statement when a table it names changes, so the check always reads the current schema.
     */
    static boolean holds(GatewayHarness harness, String booleanSql) {
        String sql = booleanSql.startsWith("select") || booleanSql.startsWith("SELECT") ? booleanSql
                : "select " + booleanSql;
        try (PreparedStatement s = harness.checks().prepareStatement(sql.replace("?", "??"));
             ResultSet r = s.executeQuery()) {
            return r.next() && r.getBoolean(1);
        } catch (SQLException e) {
            throw new IllegalStateException("check failed: " + booleanSql + ": " + e.getMessage(), e);
        }
    }

    static long count(GatewayHarness harness, String sql) {
        try (Statement s = harness.checks().createStatement(); ResultSet r = s.executeQuery(sql)) {
            r.next();
            return r.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Polls {@code condition} every 50 ms for up to {@code timeout}. */
    static boolean eventually(Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(50);
        }
        return condition.getAsBoolean();
    }

    static String resource(String name) {
        try (InputStream in = PolicyE2EFixture.class.getResourceAsStream("/policy/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource policy/" + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
