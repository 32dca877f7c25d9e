package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.postgresql.util.PSQLException;
import org.slf4j.LoggerFactory;

import dev.sluice.core.audit.AuditQuery;
import dev.sluice.core.audit.AuditRecord;
import dev.sluice.testing.Cli;

/**
 * Issue 2's gate: every bad token is refused with 28P01 and audited, a principal outside the allow list and an
 * unknown connection get the same 28000 words, plaintext is refused; and afterwards the upstream password is
 * nowhere a client, the audit store or the logs could show it.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PostgresAuthE2ETest {
    private static final List<String> SEEN_BY_CLIENTS = new CopyOnWriteArrayList<>();
    private static final List<String> TOKENS_USED = new CopyOnWriteArrayList<>();
    private static final ListAppender<ILoggingEvent> LOGS = new ListAppender<>();
    private static Level previousLevel;
    private static GatewayHarness harness;

    @BeforeAll
    static void start() {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        LOGS.start();
        root.addAppender(LOGS);
        Logger sluice = (Logger) LoggerFactory.getLogger("dev.sluice");
        previousLevel = sluice.getLevel();
        sluice.setLevel(Level.DEBUG);
        harness = GatewayHarness.start("");
    }

    @AfterAll
    static void stop() {
        harness.close();
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(LOGS);
        ((Logger) LoggerFactory.getLogger("dev.sluice")).setLevel(previousLevel);
    }

    @Test
    @Order(1)
    void refusesExpiredToken() throws Exception {
        refusedAsBadToken("expired", harness.oidc().token(GatewayHarness.ISSUER_ID, "expired", "sluice",
                Map.of("groups", List.of("agents")), Duration.ofMinutes(-10), Instant.now().minusSeconds(3600)),
                "token expired");
    }

    @Test
    @Order(1)
    void refusesTokenNotYetValid() throws Exception {
        refusedAsBadToken("early", harness.oidc().token(GatewayHarness.ISSUER_ID, "early", "sluice",
                Map.of("groups", List.of("agents")), Duration.ofMinutes(60), Instant.now().plusSeconds(1800)),
                "token not yet valid");
    }

    @Test
    @Order(1)
    void refusesTokenForAnotherAudience() throws Exception {
        refusedAsBadToken("wrong-aud", harness.oidc().userToken(GatewayHarness.ISSUER_ID, "wrong-aud",
                "some-other-service", List.of("agents"), Duration.ofMinutes(5)), "wrong audience");
    }

    @Test
    @Order(1)
    void refusesTokenFromAnotherIssuer() throws Exception {
        refusedAsBadToken("wrong-iss", harness.oidc().userToken("other", "wrong-iss", "sluice", List.of("agents"),
                Duration.ofMinutes(5)), "untrusted issuer");
    }

    @Test
    @Order(1)
    void refusesUnsignedToken() throws Exception {
        String[] valid = harness.token("alg-none", "agents").split("\\.");
        String header = base64Url("{\"alg\":\"none\",\"typ\":\"JWT\"}");
        refusedAsBadToken("alg-none", header + "." + valid[1] + ".", "");
    }

    @Test
    @Order(1)
    void refusesHs256TokenSignedWithTheIssuersPublicKey() throws Exception {
        RSAKey published = JWKSet.load(harness.oidc().jwksUri(GatewayHarness.ISSUER_ID).toURL()).getKeys()
                .getFirst().toRSAKey();
        SignedJWT forged = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(published.getKeyID())
                .build(), validClaims("hs256"));
        forged.sign(new MACSigner(published.toPublicKey().getEncoded()));
        refusedAsBadToken("hs256", forged.serialize(), "");
    }

    @Test
    @Order(1)
    void refusesTokenSignedWithAnUnknownKey() throws Exception {
        RSAKey stranger = new RSAKeyGenerator(2048).keyID("stranger-key").generate();
        SignedJWT forged = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(stranger.getKeyID())
                .build(), validClaims("unknown-kid"));
        forged.sign(new RSASSASigner(stranger));
        refusedAsBadToken("unknown-kid", forged.serialize(), "unknown signing key");
    }

    @Test
    @Order(1)
    void refusesTokenWithTamperedPayload() throws Exception {
        String[] valid = harness.token("tampered", "agents").split("\\.");
        String payload = new String(Base64.getUrlDecoder().decode(valid[1]), StandardCharsets.UTF_8)
                .replace("\"agents\"", "\"admins\"");
        refusedAsBadToken("tampered", valid[0] + "." + base64Url(payload) + "." + valid[2], "signature invalid");
    }

    @Test
    @Order(1)
    void refusesGarbage() throws Exception {
        refusedAsBadToken("garbage", "this is not a token at all", "malformed token");
    }

    @Test
    @Order(1)
    void psqlWithABadTokenIsRefused() {
        Cli.Result result = harness.psql("garbage-for-psql");
        SEEN_BY_CLIENTS.add(result.stdout() + result.stderr());
        assertThat(result.exitCode()).isNotZero();
        assertThat(result.stderr()).contains("authentication failed");
    }

    @Test
    @Order(2)
    void refusesAPrincipalOutsideTheAllowListAndAnUnknownConnectionAlike() throws Exception {
        String token = harness.token("outsider", "marketing");
        TOKENS_USED.add(token);
        PSQLException denied = refused(harness.jdbcUrl(), "outsider", token);
        assertThat(denied.getSQLState()).isEqualTo("28000");

        String valid = harness.token("lost", "agents");
        TOKENS_USED.add(valid);
        PSQLException unknown = refused(harness.jdbcUrl().replace("/orders?", "/orderz?"), "lost", valid);
        assertThat(unknown.getSQLState()).isEqualTo("28000");
        assertThat(unknown.getServerErrorMessage().getMessage().replace("orderz", "X").replace("lost", "Y"))
                .isEqualTo(denied.getServerErrorMessage().getMessage().replace("orders", "X")
                        .replace("outsider", "Y"));

        assertThat(harness.audit(AuditQuery.all().withKind("access.denied")))
                .anySatisfy(e -> assertThat(e.subject()).isEqualTo("outsider"))
                .anySatisfy(e -> {
                    assertThat(e.subject()).isEqualTo("lost");
                    assertThat(e.connection()).isEqualTo("orderz");
                });
        assertThat(harness.audit(AuditQuery.all().withKind("session.start")))
                .noneSatisfy(e -> assertThat(e.subject()).isIn("outsider", "lost"));
    }

    @Test
    @Order(2)
    void refusesPlaintext() throws Exception {
        String token = harness.token("plain", "agents");
        TOKENS_USED.add(token);
        PSQLException refused = refused(harness.jdbcUrl().replace("sslmode=require", "sslmode=disable"), "plain",
                token);
        assertThat(refused.getSQLState()).isEqualTo("28000");
        assertThat(refused.getMessage()).contains("TLS");
        assertThat(harness.audit(AuditQuery.all().withKind("auth.failure")))
                .anySatisfy(e -> assertThat(e.details().get("claimed_user")).isEqualTo("plain"));
    }

    @Test
    @Order(2)
    void aValidSessionStillWorks() throws Exception {
        try (Connection c = harness.connect("good", "agents"); Statement s = c.createStatement()) {
            assertThatThrownBy(() -> s.execute("select * from missing_table"))
                    .satisfies(e -> SEEN_BY_CLIENTS.add(e.getMessage()));
            try (ResultSet r = s.executeQuery("select current_user")) {
                r.next();
                assertThat(r.getString(1)).isEqualTo("app");
            }
        }
        Cli.Result psql = harness.psql(harness.token("good-psql", "agents"), "-c", "select 1/0", "-c",
                "\\conninfo", "-c", "select * from pg_stat_activity");
        SEEN_BY_CLIENTS.add(psql.stdout() + psql.stderr());
        assertThat(psql.stderr()).contains("division by zero");
    }

    @Test
    @Order(3)
    void upstreamPasswordAppearsNowhereAClientTheAuditOrTheLogsCanShow() throws IOException {
        String password = harness.databasePassword();
        assertThat(SEEN_BY_CLIENTS).isNotEmpty().noneSatisfy(text -> assertThat(text).contains(password));

        byte[] secret = password.getBytes(StandardCharsets.UTF_8);
        List<Path> storeFiles;
        try (Stream<Path> files = Files.list(harness.dataDir())) {
            storeFiles = files.filter(p -> p.getFileName().toString().startsWith("audit.db")).toList();
        }
        assertThat(storeFiles).extracting(p -> p.getFileName().toString()).contains("audit.db", "audit.db-wal");
        for (Path file : storeFiles) {
            byte[] bytes = Files.readAllBytes(file);
            assertThat(indexOf(bytes, secret)).as(file.toString()).isNegative();
            for (String token : TOKENS_USED) {
                assertThat(indexOf(bytes, token.getBytes(StandardCharsets.UTF_8))).as(file + " holds a token")
                        .isNegative();
            }
        }

        List<String> logLines = new ArrayList<>();
        for (ILoggingEvent event : CapturedLogs.events(LOGS)) {
            StringBuilder line = new StringBuilder(event.getFormattedMessage());
            for (var cause = event.getThrowableProxy(); cause != null; cause = cause.getCause()) {
                line.append(' ').append(cause.getMessage());
            }
            logLines.add(line.toString());
        }
        assertThat(logLines).anySatisfy(line -> assertThat(line).contains("PostgreSQL listener"));
        assertThat(logLines).noneSatisfy(line -> assertThat(line).contains(password));
        for (String token : TOKENS_USED) {
            assertThat(logLines).noneSatisfy(line -> assertThat(line).contains(token));
        }
    }

    private static void refusedAsBadToken(String user, String token, String reason) throws Exception {
        TOKENS_USED.add(token);
        PSQLException refused = refused(harness.jdbcUrl(), user, token);
        assertThat(refused.getSQLState()).isEqualTo("28P01");
        assertThat(refused.getServerErrorMessage().getSeverity()).isEqualTo("FATAL");
        List<AuditRecord> failures = harness.audit(AuditQuery.all().withKind("auth.failure"));
        assertThat(failures).anySatisfy(e -> {
            assertThat(e.details().get("claimed_user")).isEqualTo(user);
            assertThat(e.error()).contains(reason);
            assertThat(e.subject()).isEmpty();
        });
        assertThat(harness.audit(AuditQuery.all().withKind("session.start")))
                .noneSatisfy(e -> assertThat(e.details().get("claimed_user")).isEqualTo(user));
    }

    private static PSQLException refused(String url, String user, String token) {
        Properties properties = new Properties();
        properties.setProperty("user", user);
        properties.setProperty("password", token);
        try (Connection c = DriverManager.getConnection(url, properties)) {
            throw new AssertionError("connected as " + user + " to " + c.getMetaData().getURL());
        } catch (PSQLException e) {
            SEEN_BY_CLIENTS.add(e.getMessage());
            return e;
        } catch (SQLException e) {
            throw new AssertionError(e);
        }
    }

    private static JWTClaimsSet validClaims(String subject) {
        URI issuer = harness.oidc().issuer(GatewayHarness.ISSUER_ID);
        Instant now = Instant.now();
        return new JWTClaimsSet.Builder().issuer(issuer.toString()).subject(subject)
                .audience(GatewayHarness.AUDIENCE).issueTime(Date.from(now)).notBeforeTime(Date.from(now))
                .expirationTime(Date.from(now.plusSeconds(600))).claim("groups", List.of("agents")).build();
    }

    private static String base64Url(String text) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
