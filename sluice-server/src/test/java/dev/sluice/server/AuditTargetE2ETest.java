package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.sluice.core.audit.AuditQuery;
import dev.sluice.core.audit.AuditRecord;
import dev.sluice.testing.Cli;

/**
 * Issue 9, class 8: the audit trail as a target. Huge statements and parameters, tokens sent where a name is
 * expected, line-forging subjects, and the modes of the files on disk; each checked in the client's output, the
 * trail, the files and the database.
 */
class AuditTargetE2ETest {
    private static final int SIXTY_MIB = 60 * 1024 * 1024;
    private static GatewayHarness harness;

    @BeforeAll
    static void start() throws Exception {
        harness = GatewayHarness.start("""
                policies:
                  - name: no-drops
                    groups: [agents]
                    deny:
                      kinds: [DROP]
                  - name: no-secrets
                    groups: [agents]
                    deny:
                      tables: [secrets]
                """);
        try (Connection c = harness.direct(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE items (id int primary key)");
            s.execute("INSERT INTO items SELECT generate_series(1, 10)");
            s.execute("ALTER TABLE items OWNER TO app");
        }
    }

    @AfterAll
    static void stop() {
        if (harness != null) {
            harness.close();
        }
    }

    private static String sha256(String text) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(
                StandardCharsets.UTF_8)));
    }

    private static long dataDirBytes() throws IOException {
        try (Stream<Path> files = Files.walk(harness.dataDir())) {
            return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    private static String huge(int bytes, char fill, String prefix) {
        StringBuilder sql = new StringBuilder(bytes).append(prefix).append(" /* ");
        sql.repeat(fill, bytes - sql.length() - 3);
        return sql.append(" */").toString();
    }

    @Test
    void sixtyMegabyteStatementsLeaveTheDataDirSmall() throws Exception {
        long before = dataDirBytes();
        List<String> statements = new java.util.ArrayList<>();
        try (Connection agent = harness.connect("big-talker", "agents"); Statement s = agent.createStatement()) {
            // one through pgjdbc (it would add 60 MiB if stored whole: the 8 MiB bound below tells), one through psql
            for (int i = 0; i < 1; i++) {
                String sql = huge(SIXTY_MIB, (char) ('a' + i), "DROP TABLE items");
                statements.add(sql);
                assertThatThrownBy(() -> s.execute(sql)).isInstanceOfSatisfying(SQLException.class,
                        e -> assertThat(e.getSQLState()).isEqualTo("42501"));
            }
        }
        // and once through psql (simple protocol), from a file
        Path file = Files.createTempFile("huge", ".sql");
        try {
            String sql = huge(SIXTY_MIB, 'z', "DROP TABLE items");
            statements.add(sql);
            Files.writeString(file, sql + ";\n");
            Cli.Result psql = harness.psql(harness.token("big-talker", "agents"), "-f", file.toString());
            // over limits.max-statement-bytes: refused before it is parsed, and still audited bounded
            assertThat(psql.stderr()).contains("refused by Sluice: statement too large to judge: "
                    + (SIXTY_MIB + 1) + " bytes");
        } finally {
            Files.delete(file);
        }
        List<AuditRecord> trail = harness.audit(AuditQuery.all().withSubject("big-talker"));
        long after = dataDirBytes();

        org.slf4j.LoggerFactory.getLogger(AuditTargetE2ETest.class).info(
                "2 x 60 MiB refused statements grew the data dir by {} bytes", after - before);
        assertThat(after - before).as("2 x 60 MiB refused statements grew the data dir by %d bytes", after - before)
                .isLessThan(8L * 1024 * 1024);
        List<AuditRecord> judged = trail.stream().filter(r -> r.kind().equals("command")
                && r.statement().startsWith("DROP TABLE items")).toList();
        assertThat(judged).hasSize(2);
        for (AuditRecord r : judged) {
            assertThat(r.verdict()).isEqualTo("deny");
            assertThat(r.statement().getBytes(StandardCharsets.UTF_8).length).isLessThan(64 * 1024 + 200);
            assertThat(r.statement().substring(64 * 1024 - 100)).contains("…[cut: ");
        }
        List<String> tails = judged.stream().map(r -> r.statement().substring(r.statement().lastIndexOf("…[cut:")))
                .toList();
        for (String sql : statements) {
            // psql sends the statement with its semicolon
            assertThat(tails).as("the recorded length and digest are the whole statement's").containsAnyOf(
                    "…[cut: " + SIXTY_MIB + " bytes, sha256 " + sha256(sql) + "]",
                    "…[cut: " + (SIXTY_MIB + 1) + " bytes, sha256 " + sha256(sql + ";") + "]");
        }
        assertThat(trail).filteredOn(r -> r.kind().equals("recording")).isNotEmpty().allSatisfy(r ->
                assertThat(((String) r.details().get("content")).length()).isLessThan(70 * 1024));
        try (Connection c = harness.direct(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT count(*) FROM items")) {
            r.next();
            assertThat(r.getInt(1)).as("the table is still there").isEqualTo(10);
        }
        assertPrivate();
    }

    @Test
    void boundParametersShareOneBudget() throws Exception {
        String first = "p".repeat(20 * 1024 * 1024);
        String second = "q".repeat(20 * 1024 * 1024);
        // allowed, so that it is bound and executed: a refused statement is judged at Parse, before any parameter
        try (Connection agent = harness.connect("param-talker", "agents");
             PreparedStatement s = agent.prepareStatement("SELECT length(?::text) + length(?::text)")) {
            s.setString(1, first);
            s.setString(2, second);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                assertThat(r.getLong(1)).as("the server got both whole").isEqualTo(40L * 1024 * 1024);
            }
        }
        List<AuditRecord> trail = harness.audit(AuditQuery.all().withSubject("param-talker"));
        AuditRecord judged = trail.stream().filter(r -> r.kind().equals("command")
                && r.statement().startsWith("SELECT length(")).findFirst().orElseThrow();
        assertThat(judged.verdict()).isEqualTo("allow");
        @SuppressWarnings("unchecked")
        List<String> parameters = (List<String>) judged.details().get("parameters");
        assertThat(parameters.stream().mapToInt(String::length).sum()).isLessThan(64 * 1024 + 400);
        // each is cut by the protocol's mapper first (head and length), then all share the audit budget
        assertThat(parameters).hasSize(2);
        assertThat(parameters.getFirst()).startsWith("pppp").contains(first.length() + " bytes");
        assertThat(String.join("", parameters)).doesNotContain("qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq"
                .repeat(2000));
    }

    @Test
    void aJwtSentAsTheUserNameOrApplicationNameIsNotStored() throws Exception {
        String jwt = harness.token("someone-else", "agents");
        String signature = jwt.substring(jwt.lastIndexOf('.') + 1);
        // 1. the token as the user name (and so as the database name), a wrong password
        Cli.Result refused = Cli.run(Map.of("PGPASSWORD", "not-a-token", "PGCONNECT_TIMEOUT", "10"),
                Duration.ofSeconds(30), "psql", "-X", "-d", "host=127.0.0.1 port=" + harness.port() + " user="
                        + jwt + " sslmode=require", "-c", "SELECT 1");
        assertThat(refused.exitCode()).isNotZero();
        assertThat(refused.stderr()).contains("authentication failed");
        // 2. the token as the application name of a valid session, and as the user name over pgjdbc
        Cli.Result ok = Cli.run(Map.of("PGPASSWORD", harness.token("jwt-app", "agents"), "PGCONNECT_TIMEOUT", "10"),
                Duration.ofSeconds(30), "psql", "-X", "-d", harness.conninfo("jwt-app") + " application_name=" + jwt,
                "-c", "SELECT 1");
        assertThat(ok.exitCode()).as(ok.stderr()).isZero();
        Properties properties = new Properties();
        properties.setProperty("user", jwt);
        properties.setProperty("password", "still-not-a-token");
        assertThatThrownBy(() -> DriverManager.getConnection(harness.jdbcUrl(), properties).close())
                .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("28P01"));

        List<AuditRecord> trail = harness.audit(AuditQuery.all());
        List<AuditRecord> failures = trail.stream().filter(r -> r.kind().equals("auth.failure")
                && String.valueOf(r.details().get("claimed_user")).contains("[REDACTED")).toList();
        assertThat(failures).hasSizeGreaterThanOrEqualTo(2);
        assertThat(trail).filteredOn(r -> r.kind().equals("session.start") && r.subject().equals("jwt-app"))
                .singleElement().satisfies(r -> assertThat((String) r.details().get("application_name"))
                        .contains("[REDACTED"));
        assertThat(trail).allSatisfy(r -> assertThat(r.toString()).doesNotContain(signature));
        // nowhere on disk either: the database, its WAL, the write-ahead journal
        try (Stream<Path> files = Files.walk(harness.dataDir())) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                assertThat(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1)).as(f.toString())
                        .doesNotContain(signature);
            }
        }
    }

    @Test
    void aSubjectWithANewlineCannotForgeALineOfSluiceAudit() throws Exception {
        String forged = "2030-01-01T00:00:00Z session.start s-forged root @orders allow";
        String subject = "mallory\n" + forged;
        String token = harness.oidc().token(GatewayHarness.ISSUER_ID, subject, GatewayHarness.AUDIENCE,
                Map.of("groups", List.of("agents")), Duration.ofMinutes(10), Instant.now());
        String separated = harness.oidc().token(GatewayHarness.ISSUER_ID, "eve\u2028" + forged + "\u202e",
                GatewayHarness.AUDIENCE, Map.of("groups", List.of("agents")), Duration.ofMinutes(10), Instant.now());
        for (String t : List.of(token, separated)) {
            Properties properties = new Properties();
            properties.setProperty("user", "mallory");
            properties.setProperty("password", t);
            try (Connection c = DriverManager.getConnection(harness.jdbcUrl(), properties);
                 Statement s = c.createStatement()) {
                s.execute("SELECT 1 /* line one\nline two */");
            }
        }
        harness.audit(AuditQuery.all());
        for (List<String> command : List.of(List.of("audit"), List.of("sessions"))) {
            StringWriter out = new StringWriter();
            List<String> args = new java.util.ArrayList<>(command);
            args.addAll(List.of("--config", harness.configFile().toString()));
            int code = SluiceCli.commandLine().setOut(new PrintWriter(out)).execute(args.toArray(String[]::new));
            assertThat(code).isZero();
            String text = out.toString();
            assertThat(text).contains("mallory\\n" + forged, "eve\\u2028" + forged + "\\u202e");
            assertThat(text.lines()).as(String.join(" ", command)).noneMatch(line -> line.startsWith("2030-01-01"))
                    .allSatisfy(line -> assertThat(line).doesNotContain("\u2028", "\u202e"));
            if (command.getFirst().equals("audit")) {
                assertThat(text).contains("SELECT 1 /* line one\\nline two */");
            }
        }
    }

    /** Data dir 700, every file Sluice created in it 600: the trail, its WAL and shm, the journal, the keys. */
    private static void assertPrivate() throws IOException {
        Path dir = harness.dataDir();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
        try (Stream<Path> files = Files.walk(dir)) {
            List<Path> all = files.filter(p -> !p.equals(dir)).toList();
            assertThat(all).extracting(p -> dir.relativize(p).toString()).contains("audit.db", "audit.db-wal",
                    "audit.db-shm", "audit.db.ahead");
            for (Path p : all) {
                String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
                assertThat(mode).as(dir.relativize(p).toString()).isEqualTo(Files.isDirectory(p) ? "rwx------"
                        : "rw-------");
            }
        }
    }
}
