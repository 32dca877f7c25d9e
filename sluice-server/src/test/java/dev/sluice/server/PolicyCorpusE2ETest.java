package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.postgresql.core.BaseConnection;
import org.postgresql.core.TransactionState;
import org.postgresql.util.PSQLException;

import dev.sluice.core.audit.AuditQuery;
import dev.sluice.core.audit.AuditRecord;

/**
 * Issue 3 end to end: every statement of {@code policy/corpus.tsv} is sent as an {@code agents} member through real
 * psql and through pgjdbc (simple protocol, extended protocol, and server-prepared statements), must get its verdict
 * (refusals as SQLSTATE 42501 naming the rule), must leave the real database as the verdict says, and must be audited
 * with its rule.
 * <p>
 * The adversarial corpora of issue 9 ({@code policy/adversarial-*.tsv}, listed in {@link #FILES}) run the same way,
 * each file in a session of its own per mode: a file's lines run in order in one session, so a line may set up
 * session state (a SET, a PREPARE, an open transaction) that a later line of the same file tries to exploit.
 */
class PolicyCorpusE2ETest {
    /** Every corpus file, run file by file; {@code corpus.tsv} is issue 3's, the others issue 9's attacks. */
    static final List<String> FILES = List.of("corpus.tsv", "adversarial-lexer.tsv", "adversarial-kinds.tsv",
            "adversarial-names.tsv", "adversarial-redteam.tsv");
    private static GatewayHarness harness;
    private static Map<String, List<Row>> corpora;
    private static List<Row> corpus;

    enum Mode { PSQL, SIMPLE, EXTENDED, PREPARED }

    /** One corpus line. */
    record Row(String file, int line, String verdict, String sql, String check, Set<Mode> skip) {
        String rule() {
            return verdict.substring(verdict.indexOf(':') + 1);
        }

        boolean refused() {
            return !verdict.startsWith("allow");
        }

        @Override
        public String toString() {
            return file + ":" + line + " [" + verdict + "] " + sql.replace("\n", "\\n");
        }
    }

    /** What the client saw. */
    record Outcome(boolean ok, String sqlState, String message) {
        static final Outcome OK = new Outcome(true, "", "");
    }

    private static Thread rejecter;

    @BeforeAll
    static void start() throws Exception {
        harness = PolicyE2EFixture.start();
        corpora = new java.util.LinkedHashMap<>();
        for (String file : FILES) {
            if (PolicyE2EFixture.class.getResource("/policy/" + file) != null) {
                corpora.put(file, parse(file, PolicyE2EFixture.resource(file)));
            }
        }
        corpus = corpora.get("corpus.tsv");
        rejecter = Thread.ofVirtual().start(GatewayPolicyRejecter.of(harness));
    }

    @AfterAll
    static void stop() {
        rejecter.interrupt();
        harness.close();
    }

    @Test
    void corpusHoldsAtLeast150StatementsAndCoversEveryVerdict() {
        assertThat(corpus).hasSizeGreaterThanOrEqualTo(150);
        assertThat(corpus).extracting(r -> r.verdict().replaceAll("[:!].*", ""))
                .contains("allow", "deny", "hold", "unknown", "refused");
        assertThat(PolicyE2EFixture.holds(harness, PolicyE2EFixture.INVARIANT)).isTrue();
    }

    @Test
    void adversarialCorporaHoldAtLeast300Attacks() {
        int attacks = corpora.entrySet().stream().filter(e -> e.getKey().startsWith("adversarial-"))
                .mapToInt(e -> e.getValue().size()).sum();
        assertThat(attacks).isGreaterThanOrEqualTo(300);
    }

    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> filesAndModes() {
        return FILES.stream().filter(file -> PolicyE2EFixture.class.getResource("/policy/" + file) != null)
                .flatMap(file -> Arrays.stream(Mode.values())
                        .map(mode -> org.junit.jupiter.params.provider.Arguments.of(file, mode)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @org.junit.jupiter.params.provider.MethodSource("filesAndModes")
    void everyStatementGetsItsVerdictLeavesTheDatabaseIntactAndIsAudited(String file, Mode mode) throws Exception {
        String subject = "corpus-" + file.replace(".tsv", "") + "-" + mode.name().toLowerCase();
        List<String> failures = new ArrayList<>();
        List<Row> run = new ArrayList<>();
        for (Row row : corpora.get(file)) {
            if (!row.skip().contains(mode)) {
                run.add(row);
            }
        }
        try (Runner runner = runner(mode, subject, run)) {
            for (Row row : run) {
                Outcome outcome = runner.run(row.sql());
                mismatch(row, outcome).ifPresent(m -> failures.add(row + " -> " + m));
                if (!PolicyE2EFixture.holds(harness, PolicyE2EFixture.INVARIANT)) {
                    failures.add(row + " -> the database invariant broke");
                    PolicyE2EFixture.createSchema(fresh());
                }
                if (!row.check().isEmpty() && !PolicyE2EFixture.holds(harness, row.check())) {
                    failures.add(row + " -> check failed: " + row.check());
                }
            }
            runner.stillUsable().ifPresent(failures::add);
        }
        failures.addAll(auditMismatches(mode, subject, run));
        assertThat(failures).as("corpus mismatches in mode " + mode).isEmpty();
    }

    private static GatewayHarness fresh() {
        try (Connection c = harness.direct(); Statement s = c.createStatement()) {
            s.execute("drop schema public cascade; drop schema if exists billing cascade; create schema public "
                    + "authorization app; drop role if exists intruder; alter role app nosuperuser");
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return harness;
    }

    private static java.util.Optional<String> mismatch(Row row, Outcome outcome) {
        String v = row.verdict();
        String seen = outcome.ok() ? "succeeded" : outcome.sqlState() + ": " + outcome.message();
        boolean good;
        if (v.equals("allow")) {
            good = outcome.ok();
        } else if (v.startsWith("allow!")) {
            good = !outcome.ok() && outcome.sqlState().equals(v.substring(6)) && !outcome.message().contains("Sluice");
        } else if (v.startsWith("deny:")) {
            good = refusal(outcome) && outcome.message().startsWith("denied by Sluice policy rule \"" + row.rule()
                    + "\"") && !outcome.message().contains("could not be classified");
        } else if (v.startsWith("hold:")) {
            // held for approval, then rejected by the sre on duty (GatewayPolicyRejecter): never executed
            good = refusal(outcome) && outcome.message().contains("was rejected by corpus-sre: "
                    + GatewayPolicyRejecter.REASON);
        } else if (v.startsWith("unknown:")) {
            good = refusal(outcome) && outcome.message().contains("rule \"" + row.rule() + "\"")
                    && outcome.message().contains("could not be classified");
        } else if (v.startsWith("refused:")) {
            good = refusal(outcome) && outcome.message().startsWith("refused by Sluice")
                    && outcome.message().contains(row.rule());
        } else {
            return java.util.Optional.of("unknown verdict in corpus: " + v);
        }
        return good ? java.util.Optional.empty() : java.util.Optional.of(seen);
    }

    private static boolean refusal(Outcome outcome) {
        return !outcome.ok() && outcome.sqlState().equals("42501");
    }

    /** Every refusal is in the trail as a statement event with verdict deny/hold and the rule that decided. */
    private static List<String> auditMismatches(Mode mode, String subject, List<Row> run) {
        List<AuditRecord> records = harness.audit(AuditQuery.all().withSubject(subject).withKind("command")
                .withLimit(10_000));
        List<String> result = new ArrayList<>();
        for (Row row : run) {
            if (!row.refused()) {
                continue;
            }
            String verdict = row.verdict().startsWith("hold:") ? "hold" : "deny";
            String rule = row.verdict().startsWith("refused:") ? "" : row.rule();
            boolean exactText = mode == Mode.PSQL || mode == Mode.SIMPLE;
            boolean found = records.stream().anyMatch(r -> r.verdict().equals(verdict)
                    && rule.equals(r.details().get("rule"))
                    && (exactText ? exactly(r.statement(), row.sql()) : row.sql().contains(sent(r.statement()))));
            if (!found) {
                result.add(row + " -> no audited " + verdict + " by rule '" + rule + "'");
            }
        }
        return result;
    }

    /** The audited text is the statement as sent, then the notes Sluice adds on the names it ran through. */
    private static boolean exactly(String audited, String sql) {
        return audited.equals(sql) || audited.startsWith(sql + "\n-- Sluice: ");
    }

    private static String sent(String audited) {
        int notes = audited.indexOf("\n-- Sluice: ");
        return (notes < 0 ? audited : audited.substring(0, notes)).strip();
    }

    // ---- the four clients ------------------------------------------------------------------------------------------

    private interface Runner extends AutoCloseable {
        Outcome run(String sql) throws Exception;

        /** After the whole corpus: the session is still usable and still the upstream user it started as. */
        java.util.Optional<String> stillUsable() throws Exception;

        @Override
        void close() throws Exception;
    }

    private static Runner runner(Mode mode, String subject, List<Row> rows) throws SQLException {
        return switch (mode) {
            case PSQL -> new PsqlRunner(PsqlSession.start(harness, harness.token(subject, "agents"),
                    java.util.stream.Stream.concat(rows.stream().map(Row::sql),
                            java.util.stream.Stream.of(PsqlRunner.STILL_APP)).toList(), true, "-At"));
            case SIMPLE -> new JdbcRunner(harness.connect(subject, List.of("agents"),
                    Map.of("preferQueryMode", "simple")), false);
            case EXTENDED -> new JdbcRunner(harness.connect(subject, List.of("agents"), Map.of()), false);
            case PREPARED -> new JdbcRunner(harness.connect(subject, List.of("agents"),
                    Map.of("prepareThreshold", "1")), true);
        };
    }

    /** psql, every line of a file in one session as {@code psql -c} sends it (see {@link PsqlSession}). */
    private record PsqlRunner(PsqlSession session) implements Runner {
        /** The next line of the file the session was started with ({@code sql} is that line). */
        @Override
        public Outcome run(String sql) throws InterruptedException {
            PsqlSession.Output output = session.next();
            return output.ok() ? Outcome.OK : new Outcome(false, output.sqlState(), output.message());
        }

        /** Fails (division by zero) unless the session is still the upstream user it started as. */
        static final String STILL_APP = "select 1 / (current_user = 'app' and session_user = 'app')::int";

        /** The session's last command, {@link #STILL_APP}, succeeded: psql stayed connected, as app. */
        @Override
        public java.util.Optional<String> stillUsable() throws InterruptedException {
            PsqlSession.Output output = session.next();
            return output.ok() ? java.util.Optional.empty()
                    : java.util.Optional.of("psql no longer works: " + output.stderr());
        }

        @Override
        public void close() throws java.io.IOException {
            session.close();
        }
    }

    private record JdbcRunner(Connection connection, boolean prepared) implements Runner {
        @Override
        public Outcome run(String sql) throws SQLException {
            try {
                if (prepared) {
                    try (PreparedStatement s = connection.prepareStatement(sql)) {
                        s.execute();
                    }
                } else {
                    try (Statement s = connection.createStatement()) {
                        s.execute(sql);
                    }
                }
                return Outcome.OK;
            } catch (PSQLException e) {
                String message = e.getServerErrorMessage() != null ? e.getServerErrorMessage().getMessage()
                        : e.getMessage();
                // a refusal inside a multi-statement batch leaves pgjdbc's implicit block failed: end it, as an
                // application would, so that the next statement starts clean
                if (connection.unwrap(BaseConnection.class).getTransactionState() != TransactionState.IDLE) {
                    try (Statement s = connection.createStatement()) {
                        s.execute("ROLLBACK");
                    }
                }
                return new Outcome(false, String.valueOf(e.getSQLState()), String.valueOf(message));
            }
        }

        @Override
        public java.util.Optional<String> stillUsable() throws SQLException {
            try (Statement s = connection.createStatement();
                 ResultSet r = s.executeQuery("select current_user, session_user, 6 * 7")) {
                r.next();
                List<String> seen = List.of(r.getString(1), r.getString(2), r.getString(3));
                return seen.equals(List.of("app", "app", "42")) ? java.util.Optional.empty()
                        : java.util.Optional.of("the session changed identity or broke: " + seen);
            }
        }

        @Override
        public void close() throws SQLException {
            connection.close();
        }
    }

    // ---- corpus file -----------------------------------------------------------------------------------------------

    private static List<Row> parse(String file, String tsv) {
        List<Row> result = new ArrayList<>();
        String[] lines = tsv.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\t", -1);
            String sql = f[1].replace("{nl}", "\n").replace("{tab}", "\t");
            String check = f.length > 2 ? f[2] : "";
            Set<Mode> skip = EnumSet.noneOf(Mode.class);
            if (f.length > 3 && f[3].startsWith("skip=")) {
                Arrays.stream(f[3].substring(5).split(",")).map(s -> Mode.valueOf(s.strip().toUpperCase()))
                        .forEach(skip::add);
            }
            result.add(new Row(file, i + 1, f[0], sql, check, skip));
        }
        return result;
    }
}
