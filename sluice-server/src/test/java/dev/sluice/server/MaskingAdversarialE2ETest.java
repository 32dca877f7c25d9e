package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.postgresql.core.BaseConnection;
import org.postgresql.core.TransactionState;
import org.postgresql.util.PSQLException;

import dev.sluice.core.audit.AuditQuery;
import dev.sluice.core.audit.AuditRecord;

/**
 * Issue 9, class 5: values derived from masked columns. Every line of {@code masking/adversarial.tsv} is sent through
 * a real Sluice in front of a real PostgreSQL, in each client mode the line names (pgjdbc simple protocol, pgjdbc
 * extended protocol, pgjdbc server-prepared with binary transfer of text, records, arrays, bytea and jsonb, and
 * real psql), and everything the client received (rows, errors with all their fields, notices, notifications,
 * reported settings, psql's whole output) must hold no clear value of the seeded rows, in any of the forms an
 * attacker would turn it into: digits without separators, eight-digit windows, reversed, hex, base64, md5, upper
 * case. Lines that must stay clear (unmasked columns and values computed from them, a {@code dpo} caller, tables
 * whose columns only share a masked column's name) fail the test if everything were simply nulled. Afterwards the
 * audit trail (statement texts and details) and the data directory's files hold no clear value either.
 * <p>
 * Line format: {@code modes<TAB>expect<TAB>sql}; modes are letters: {@code s} simple, {@code x} extended,
 * {@code b} binary prepared, {@code p} psql. Expectations: {@code masked} (any outcome, nothing clear),
 * {@code ok} (succeeds), {@code error} (fails), {@code refused} (42501 by Sluice masking), {@code clear=TEXT}
 * (succeeds and shows TEXT), {@code dpo=TEXT} (as a dpo: succeeds and shows the clear TEXT),
 * {@code dpo-ok} (as a dpo: succeeds; sets up what another session then attacks),
 * {@code strict-refused} / {@code strict=TEXT} (as a caller under a rule with {@code refuse-in-predicates}).
 */
class MaskingAdversarialE2ETest {
    private static final String MASKING = """
            recording:
              record-results: rows
            masking:
              - name: customer-pii
                connections: [orders]
                unless-groups: [dpo]
                columns:
                  customers.card: partial
                  customers.email: hash
                  customers.ssn: null
                  accounts.card: redact
                detectors: [card, email, ssn, phone, iban]
                strategy: redact
              - name: strict-pii
                connections: [orders]
                unless-groups: [dpo, plain]
                refuse-in-predicates: true
                columns:
                  customers.card: redact
                  customers.email: redact
            """;
    static final List<String> CARDS = List.of("4539 1488 0343 6467", "5425233430109903");
    static final List<String> EMAILS = List.of("nightjar.owl77@example.com", "kestrel.fox42@example.org");
    static final List<String> SSNS = List.of("536-22-7841", "478-31-5520");
    private static final List<String> AGENT = List.of("agents", "plain");
    private static final List<String> STRICT = List.of("agents");
    private static final Pattern CLOCK_FIELDS =
            Pattern.compile("\\\\?\"(started|started_ms|duration_ms|expires_ms)\\\\?\":(\\\\?\")?[0-9TZ:.+-]*");
    private static GatewayHarness harness;
    private static List<Line> lines;
    private static Set<String> forbidden;

    enum Mode {
        SIMPLE('s'), EXTENDED('x'), BINARY('b'), PSQL('p');

        final char letter;

        Mode(char letter) {
            this.letter = letter;
        }
    }

    record Line(int number, String modes, String expect, String sql) {
        boolean in(Mode mode) {
            return modes.indexOf(mode.letter) >= 0;
        }

        String caller() {
            return expect.startsWith("dpo") ? "dpo" : expect.startsWith("strict") ? "strict" : "agent";
        }

        @Override
        public String toString() {
            return "adversarial.tsv:" + number + " [" + expect + "] " + sql;
        }
    }

    /** What the client received for one line. */
    record Received(boolean ok, String sqlState, String message, String everything) {
    }

    @BeforeAll
    static void start() throws Exception {
        harness = GatewayHarness.start(MASKING);
        try (Connection c = harness.direct(); Statement s = c.createStatement()) {
            s.execute(resource("masking/adversarial-setup.sql"));
        }
        lines = parse(resource("masking/adversarial.tsv"));
        forbidden = forbiddenForms();
    }

    @AfterAll
    static void stop() {
        harness.close();
    }

    @Test
    void corpusHoldsAtLeast160CasesInEveryModeAndSomeThatMustStayClear() {
        assertThat(lines).hasSizeGreaterThanOrEqualTo(160);
        for (Mode mode : Mode.values()) {
            assertThat(lines.stream().filter(l -> l.in(mode)).count()).as(mode.name()).isGreaterThanOrEqualTo(40);
        }
        assertThat(lines).filteredOn(l -> l.expect().startsWith("clear=")).hasSizeGreaterThanOrEqualTo(15);
        assertThat(lines).filteredOn(l -> l.expect().startsWith("dpo=")).hasSizeGreaterThanOrEqualTo(5);
        assertThat(lines).filteredOn(l -> l.expect().equals("refused")).hasSizeGreaterThanOrEqualTo(15);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Mode.class)
    void noClearValueReachesTheClient(Mode mode) throws Exception {
        List<String> failures = new ArrayList<>();
        String suffix = mode.name().toLowerCase(Locale.ROOT);
        try (Client agent = client(mode, "adv-agent-" + suffix, AGENT);
             Client dpo = client(mode, "adv-dpo-" + suffix, List.of("dpo"));
             Client strict = client(mode, "adv-strict-" + suffix, STRICT)) {
            // consecutive lines of one caller run as one batch (psql: one process for them), in corpus order
            List<Line> run = lines.stream().filter(l -> l.in(mode)).toList();
            for (int from = 0, to; from < run.size(); from = to) {
                String caller = run.get(from).caller();
                to = from;
                while (to < run.size() && run.get(to).caller().equals(caller)) {
                    to++;
                }
                Client client = switch (caller) {
                    case "dpo" -> dpo;
                    case "strict" -> strict;
                    default -> agent;
                };
                List<Line> batch = run.subList(from, to);
                List<Received> received = client.runAll(batch.stream().map(Line::sql).toList());
                for (int i = 0; i < batch.size(); i++) {
                    Line line = batch.get(i);
                    check(line, received.get(i)).ifPresent(m -> failures.add(line + " -> " + m));
                }
            }
        }
        assertThat(failures).as("masking leaks in mode " + mode).isEmpty();
        // The recordings (kind "recording", with result rows) and error texts are masked by every rule of the
        // connection, for the dpo too: its results are clear by design, what Sluice writes down about them is not.
        for (String subject : List.of("adv-agent-" + suffix, "adv-strict-" + suffix, "adv-dpo-" + suffix)) {
            AuditQuery query = AuditQuery.all().withSubject(subject).withLimit(10_000);
            for (AuditRecord record : harness.audit(query)) {
                String text = recordText(record);
                leak(text).ifPresent(f -> failures.add("audit record " + record.kind() + " of " + subject
                        + " holds " + f + ": " + record.statement()));
            }
        }
        assertThat(failures).as("audit trail leaks in mode " + mode).isEmpty();
        // every refusal is in the trail as a denied statement with Sluice masking's reason
        List<AuditRecord> statements = harness.audit(AuditQuery.all().withSubject("adv-agent-" + suffix)
                .withKind("command").withLimit(10_000));
        for (Line line : lines) {
            if (line.in(mode) && line.expect().equals("refused")) {
                boolean audited = statements.stream().anyMatch(r -> r.verdict().equals("deny")
                        && line.sql().contains(r.statement().strip()) && String.valueOf(r.error() + r.details())
                        .contains("Sluice masking"));
                if (!audited) {
                    failures.add(line + " -> no audited refusal by Sluice masking");
                }
            }
        }
        assertThat(failures).as("refusals not audited in mode " + mode).isEmpty();
    }

    @Test
    void recordingsOfAMaskedCallerHoldNoClearValue() throws Exception {
        try (Client agent = client(Mode.EXTENDED, "adv-files", AGENT)) {
            Received received = agent.run("select reverse(card), upper(email), card, email, row(c.*) from customers c");
            assertThat(leak(received.everything())).isEmpty();
        }
        List<AuditRecord> records = harness.audit(AuditQuery.all().withSubject("adv-files").withLimit(1_000));
        assertThat(records).anySatisfy(r -> assertThat(r.kind()).isEqualTo("recording"));
        for (AuditRecord record : records) {
            assertThat(leak(recordText(record))).as(record.kind()).isEmpty();
        }
    }

    /**
     * A caller exempt from the rules ({@code dpo}) sees clear values; the recording of its result rows and the audited
     * error text are masked by the connection's rules all the same (derived values by lineage too), while what no
     * rule masks stays readable in the recording.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Mode.class, names = {"SIMPLE", "EXTENDED", "BINARY"})
    void recordingsOfAnExemptCallerAreMaskedByTheConnectionsRules(Mode mode) throws Exception {
        String subject = "adv-dpo-rec-" + mode.name().toLowerCase(Locale.ROOT);
        try (Client dpo = client(mode, subject, List.of("dpo"))) {
            Received rows = dpo.run("select name, card, reverse(card), upper(email), row(c.*) from customers c"
                    + " where id = 1");
            assertThat(rows.everything()).contains("Zora Quillfeather", "4539 1488 0343 6467", "7646 3430 8841 9354");
            Received error = dpo.run("select email::int from customers where id = 1");
            assertThat(error.ok()).isFalse();
            assertThat(error.message()).contains("nightjar.owl77@example.com");
        }
        List<AuditRecord> records = harness.audit(AuditQuery.all().withSubject(subject).withLimit(1_000));
        assertThat(records).anySatisfy(r -> {
            assertThat(r.kind()).isEqualTo("recording");
            assertThat(String.valueOf(r.details())).contains("Zora Quillfeather", "6467");
        });
        assertThat(records).anySatisfy(r -> assertThat(String.valueOf(r.error())).contains("invalid input syntax"));
        for (AuditRecord record : records) {
            assertThat(leak(recordText(record))).as(record.kind() + " " + record.statement()).isEmpty();
        }
    }

    /**
     * A hashed column's derived values must not be hashed with the column's key: otherwise one statement returns a
     * token per character of the e-mail ({@code substr(email, g, 1)}) and a token per letter of the alphabet (an
     * expression that names {@code email} but yields a constant), and comparing them spells the address, with no
     * predicate at all (so {@code refuse-in-predicates} does not stop it). The column itself keeps its joinable token.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Mode.class, names = {"SIMPLE", "BINARY"})
    void derivedValuesOfAHashedColumnAreNoCharacterOracle(Mode mode) throws Exception {
        try (Client agent = client(mode, "adv-oracle-" + mode.name().toLowerCase(Locale.ROOT), AGENT)) {
            Received chars = agent.run("select g, substr(email, g, 1) from customers, generate_series(1, 8) g"
                    + " where id = 1 order by g");
            Received alphabet = agent.run("select c, case when id > 0 then c else email end from customers,"
                    + " regexp_split_to_table('abcdefghijklmnopqrstuvwxyz0123456789.', '') c where id = 1");
            assertThat(chars.ok()).as(chars.everything()).isTrue();
            assertThat(alphabet.ok()).as(alphabet.everything()).isTrue();
            Map<String, String> dictionary = new java.util.HashMap<>();
            for (String row : alphabet.everything().split("\n")) {
                String[] f = row.split("\\|");
                if (f.length >= 2 && f[1].startsWith("h:")) {
                    dictionary.put(f[1], f[0]);
                }
            }
            StringBuilder recovered = new StringBuilder();
            for (String row : chars.everything().split("\n")) {
                String[] f = row.split("\\|");
                if (f.length >= 2) {
                    recovered.append(dictionary.getOrDefault(f[1], "?"));
                }
            }
            assertThat(recovered.toString()).as("spelled from hash tokens").doesNotContain("nigh");
            // the column itself still gets its (joinable) token
            Received column = agent.run("select email from customers where id = 1");
            assertThat(column.everything()).contains("h:");
        }
    }

    private static Optional<String> check(Line line, Received r) {
        String expect = line.expect();
        if (!expect.startsWith("dpo")) {
            Optional<String> leaked = leak(r.everything());
            if (leaked.isPresent()) {
                return Optional.of("clear value " + leaked.get() + " in: " + shorten(r.everything()));
            }
        }
        String seen = r.ok() ? "succeeded: " + shorten(r.everything()) : r.sqlState() + " " + r.message();
        boolean good = switch (expect.replaceAll("=.*", "")) {
            case "masked" -> true;
            case "ok", "dpo-ok" -> r.ok();
            case "error" -> !r.ok();
            case "refused", "strict-refused" -> !r.ok() && r.sqlState().equals("42501")
                    && r.message().contains("Sluice masking");
            case "clear", "dpo", "strict" -> r.ok() && r.everything().contains(expect.substring(expect.indexOf('=') + 1));
            default -> false;
        };
        return good ? Optional.empty() : Optional.of("expected " + expect + ", " + seen);
    }

    /**
     * What an audit record says, less the clock readings Sluice itself writes into a recording chunk ({@code started}
     * with its nanoseconds, {@code started_ms}, {@code duration_ms}; also inside a chunk's escaped JSON): their digits vary per run, and a 7-digit window
     * of a seeded SSN turned up in one ({@code "started":"…T19:45:12.536227841Z"}). Nothing derived from the data is
     * written there, so leaving them out takes away a false alarm and no leak.
     */
    private static String recordText(AuditRecord record) {
        return CLOCK_FIELDS.matcher(record.statement() + " " + record.error() + " " + record.details()).replaceAll("");
    }

    private static String shorten(String text) {
        return text.length() > 600 ? text.substring(0, 600) + "…" : text;
    }

    /** The first forbidden form found in {@code text} (compared in lower case, letters and digits only). */
    static Optional<String> leak(String text) {
        String plain = text.toLowerCase(Locale.ROOT);
        StringBuilder alnum = new StringBuilder(plain.length());
        for (int i = 0; i < plain.length(); i++) {
            char c = plain.charAt(i);
            if (Character.isLetterOrDigit(c)) {
                alnum.append(c);
            }
        }
        String normalized = alnum.toString();
        return forbidden.stream().filter(f -> normalized.contains(f) || plain.contains(f)).findFirst();
    }

    /** Every form of a seeded secret an attacker could extract: windows, reversals, encodings, digests. */
    private static Set<String> forbiddenForms() throws Exception {
        Set<String> result = new LinkedHashSet<>();
        List<String> secrets = new ArrayList<>(CARDS);
        secrets.addAll(EMAILS);
        secrets.addAll(SSNS);
        for (String secret : secrets) {
            String lower = secret.toLowerCase(Locale.ROOT);
            result.add(lower);
            // an e-mail's domain is no secret (example.com): its local part is
            String alnum = (secret.contains("@") ? lower.substring(0, lower.indexOf('@')) : lower)
                    .replaceAll("[^a-z0-9]", "");
            String reversed = new StringBuilder(alnum).reverse().toString();
            int window = secret.contains("@") ? 10 : SSNS.contains(secret) ? 7 : 8;
            for (String s : List.of(alnum, reversed)) {
                for (int i = 0; i + window <= s.length(); i++) {
                    result.add(s.substring(i, i + window));
                }
            }
            result.add(HexFormat.of().formatHex(secret.substring(0, 6).getBytes(StandardCharsets.UTF_8)));
            result.add(Base64.getEncoder().encodeToString(secret.getBytes(StandardCharsets.UTF_8)).substring(0, 12)
                    .toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", ""));
            result.add(HexFormat.of().formatHex(MessageDigest.getInstance("MD5")
                    .digest(secret.getBytes(StandardCharsets.UTF_8))).substring(0, 12));
        }
        return result;
    }

    // ---- clients ---------------------------------------------------------------------------------------------------

    private interface Client extends AutoCloseable {
        Received run(String sql) throws Exception;

        /** Runs {@code sql} in order in this client's session. */
        default List<Received> runAll(List<String> sql) throws Exception {
            List<Received> result = new ArrayList<>();
            for (String one : sql) {
                result.add(run(one));
            }
            return result;
        }

        @Override
        void close() throws Exception;
    }

    private static Client client(Mode mode, String subject, List<String> groups) throws SQLException {
        return switch (mode) {
            case PSQL -> new PsqlClient(harness.token(subject, groups.toArray(String[]::new)));
            case SIMPLE -> new JdbcClient(harness.connect(subject, groups, Map.of("preferQueryMode", "simple")),
                    false);
            case EXTENDED -> new JdbcClient(harness.connect(subject, groups, Map.of("prepareThreshold", "0")), false);
            case BINARY -> new JdbcClient(harness.connect(subject, groups, Map.of("prepareThreshold", "1",
                    "binaryTransfer", "true", "binaryTransferEnable", "25,1043,114,3802,2249,2287,1009,17,3614,1007")),
                    true);
        };
    }

    /** psql: a batch of lines in one session, each sent as {@code psql -c} sends it (see {@link PsqlSession}). */
    private record PsqlClient(String token) implements Client {
        @Override
        public Received run(String sql) throws Exception {
            return runAll(List.of(sql)).getFirst();
        }

        @Override
        public List<Received> runAll(List<String> sql) throws Exception {
            try (PsqlSession session = PsqlSession.start(harness, token, sql, false, "-A")) {
                return session.all().stream().map(o -> new Received(o.ok(), o.ok() ? "" : o.sqlState(),
                        o.ok() ? "" : o.message(), o.stdout() + "\n" + o.stderr())).toList();
            }
        }

        @Override
        public void close() {
        }
    }

    private record JdbcClient(Connection connection, boolean prepared) implements Client {
        @Override
        public Received run(String sql) throws Exception {
            StringBuilder all = new StringBuilder();
            boolean ok = true;
            String state = "";
            String message = "";
            try {
                // a prepared statement runs twice: pgjdbc switches to binary results once it has described it
                for (int round = 0; round < (prepared ? 2 : 1); round++) {
                    if (prepared) {
                        try (PreparedStatement s = connection.prepareStatement(sql)) {
                            collect(s, s.execute(), all);
                        }
                    } else {
                        try (Statement s = connection.createStatement()) {
                            collect(s, s.execute(sql), all);
                        }
                    }
                }
            } catch (PSQLException e) {
                ok = false;
                state = String.valueOf(e.getSQLState());
                message = e.getServerErrorMessage() != null ? e.getServerErrorMessage().getMessage()
                        : String.valueOf(e.getMessage());
                all.append("\nERROR ").append(e.getMessage()).append(' ').append(e.getServerErrorMessage());
                if (e.getServerErrorMessage() != null) {
                    var m = e.getServerErrorMessage();
                    all.append(' ').append(m.getDetail()).append(' ').append(m.getHint()).append(' ')
                            .append(m.getWhere()).append(' ').append(m.getInternalQuery());
                }
                if (connection.unwrap(BaseConnection.class).getTransactionState() != TransactionState.IDLE) {
                    try (Statement s = connection.createStatement()) {
                        s.execute("ROLLBACK");
                    }
                }
            }
            for (SQLWarning w = connection.getWarnings(); w != null; w = w.getNextWarning()) {
                all.append("\nWARNING ").append(w.getMessage());
            }
            connection.clearWarnings();
            PGConnection pg = connection.unwrap(PGConnection.class);
            PGNotification[] notifications = pg.getNotifications();
            if (notifications != null) {
                for (PGNotification n : notifications) {
                    all.append("\nNOTIFY ").append(n.getName()).append(' ').append(n.getParameter());
                }
            }
            all.append("\nSTATUS ").append(pg.getParameterStatuses());
            return new Received(ok, state, message, all.toString());
        }

        private static void collect(Statement s, boolean hasResult, StringBuilder all) throws SQLException {
            boolean result = hasResult;
            while (true) {
                if (result) {
                    try (ResultSet r = s.getResultSet()) {
                        int n = r.getMetaData().getColumnCount();
                        while (r.next()) {
                            for (int i = 1; i <= n; i++) {
                                all.append(r.getString(i)).append('|');
                            }
                            all.append('\n');
                        }
                    }
                } else if (s.getUpdateCount() == -1) {
                    break;
                }
                for (SQLWarning w = s.getWarnings(); w != null; w = w.getNextWarning()) {
                    all.append("\nNOTICE ").append(w.getMessage());
                }
                result = s.getMoreResults();
            }
        }

        @Override
        public void close() throws SQLException {
            connection.close();
        }
    }

    // ---- corpus file -----------------------------------------------------------------------------------------------

    private static String resource(String name) throws IOException {
        try (InputStream in = MaskingAdversarialE2ETest.class.getResourceAsStream("/" + name)) {
            if (in == null) {
                throw new IOException("missing test resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static List<Line> parse(String tsv) {
        List<Line> result = new ArrayList<>();
        String[] rows = tsv.split("\n", -1);
        for (int i = 0; i < rows.length; i++) {
            String row = rows[i];
            if (row.isBlank() || row.startsWith("#")) {
                continue;
            }
            String[] f = row.split("\t", 3);
            if (f.length != 3) {
                throw new IllegalArgumentException("adversarial.tsv:" + (i + 1) + ": expected modes, expect, sql");
            }
            result.add(new Line(i + 1, f[0], f[1], f[2].replace("{nl}", "\n")));
        }
        return result;
    }
}
