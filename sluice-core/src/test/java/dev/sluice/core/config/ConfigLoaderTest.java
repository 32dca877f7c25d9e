package dev.sluice.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sluice.core.Secret;
import dev.sluice.core.identity.Principal;

class ConfigLoaderTest {
    static final Path FILE = Path.of("sluice.yaml");
    static final String PASSWORD = "s3cr3t-Orders-Pw";
    static final Map<String, String> ENV = Map.of("ORDERS_DB_PASSWORD", PASSWORD);

    static final String EXAMPLE = """
            listen:
              postgres: 127.0.0.1:15432
              http: 127.0.0.1:8443
            data-dir: ./sluice-data
            identity:
              oidc:
                - issuer: http://127.0.0.1:9000/default
                  audience: sluice
                  groups-claim: groups
              dev-issuer: false
            connections:
              - name: orders
                type: postgres
                address: 127.0.0.1:5432
                database: orders
                user: app
                password: ${env:ORDERS_DB_PASSWORD}
                allow:
                  groups: [agents, sre]
            """;

    @Test
    void loadsTheDocumentedExample(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("sluice.yaml");
        Files.writeString(file, EXAMPLE);

        SluiceConfig config = ConfigLoader.load(file, ENV);

        assertThat(config.source()).isEqualTo(file);
        assertThat(config.listen()).isEqualTo(new ListenConfig(Map.of("postgres", new HostPort("127.0.0.1", 15432)),
                Optional.of(new HostPort("127.0.0.1", 8443))));
        assertThat(config.dataDir()).isEqualTo(dir.toAbsolutePath().resolve("sluice-data"));
        assertThat(config.identity()).isEqualTo(new IdentityConfig(List.of(new OidcIssuerConfig(
                URI.create("http://127.0.0.1:9000/default"), "sluice", "groups")), false));
        assertThat(config.tls()).isEqualTo(TlsConfig.none());
        assertThat(config.connections()).containsExactly(new ConnectionConfig("orders",
                new HostPort("127.0.0.1", 5432), new PostgresTarget("orders", "app", Secret.of(PASSWORD),
                UpstreamTls.prefer()), new AllowRule(Set.of("agents", "sre"), Set.of()), Map.of(), "allow"));
        assertThat(config.connection("orders")).map(c -> ((PostgresTarget) c.target()).password().reveal())
                .contains(PASSWORD);
        assertThat(config.connection("billing")).isEmpty();
        assertThat(config.policies().isMissing()).isTrue();
        assertThat(config.policies().items()).isEmpty();
        assertThat(config.policyDir()).isEmpty();
        assertThat(config.masking().items()).isEmpty();
        assertThat(config.raw().isMap()).isTrue();
    }

    @Test
    void theLoadedConfigNeverShowsTheSecretInToString() {
        SluiceConfig config = ConfigLoader.parse(FILE, EXAMPLE, ENV);

        assertThat(config.toString()).doesNotContain(PASSWORD).contains("orders");
        assertThat(config.connections().getFirst().toString()).doesNotContain(PASSWORD);
    }

    @Test
    void literalPasswordDoesNotLeakThroughTheRawNodes() {
        SluiceConfig config = ConfigLoader.parse(FILE, EXAMPLE.replace("${env:ORDERS_DB_PASSWORD}", PASSWORD), ENV);

        assertThat(config.toString()).doesNotContain(PASSWORD);
        assertThat(config.raw().toString()).doesNotContain(PASSWORD);
    }

    @Test
    void appliesDefaultsToAnEmptyFile() {
        SluiceConfig config = ConfigLoader.parse(Path.of("/etc/sluice/sluice.yaml"), "", Map.of());

        assertThat(config.listen()).isEqualTo(ListenConfig.defaults());
        assertThat(config.dataDir()).isEqualTo(Path.of("/etc/sluice/sluice-data"));
        assertThat(config.identity()).isEqualTo(IdentityConfig.none());
        assertThat(config.connections()).isEmpty();
    }

    @Test
    void turnsAListenerOffAndResolvesPathsAgainstTheConfigDirectory() {
        SluiceConfig config = ConfigLoader.parse(Path.of("/etc/sluice/sluice.yaml"), """
                listen:
                  http: off
                  postgres: "[::1]:0"
                data-dir: /var/lib/sluice
                policy-dir: policies.d
                tls:
                  cert-file: tls/cert.pem
                  key-file: /keys/key.pem
                """, Map.of());

        assertThat(config.listen().http()).isEmpty();
        assertThat(config.listen().postgres()).contains(new HostPort("::1", 0));
        assertThat(config.dataDir()).isEqualTo(Path.of("/var/lib/sluice"));
        assertThat(config.policyDir()).contains(Path.of("/etc/sluice/policies.d"));
        assertThat(config.tls()).isEqualTo(new TlsConfig(Optional.of(Path.of("/etc/sluice/tls/cert.pem")),
                Optional.of(Path.of("/keys/key.pem")), false));
    }

    @Test
    void keepsPoliciesMaskingAndAuditRaw() {
        SluiceConfig config = ConfigLoader.parse(FILE, """
                policies:
                  - name: no-drop
                    match: {statement: drop}
                    action: deny
                masking:
                  - column: email
                audit:
                  sink: sqlite
                """, Map.of());

        assertThat(config.policies().items()).hasSize(1);
        assertThat(config.policies().items().getFirst().at("match").at("statement").text()).isEqualTo("drop");
        assertThat(config.policies().items().getFirst().path()).isEqualTo("policies[0]");
        assertThat(config.masking().items().getFirst().at("column").line()).isEqualTo(6);
        assertThat(config.audit().at("sink").text()).isEqualTo("sqlite");
    }

    @Test
    void readsEveryConnectionSetting() {
        SluiceConfig config = ConfigLoader.parse(Path.of("/cfg/sluice.yaml"), """
                connections:
                  - name: billing_2
                    address: db.internal:6432
                    database: billing
                    user: sluice
                    tls: {mode: verify-full, ca-file: ca.pem}
                    allow: {subjects: [alice]}
                    labels: {env: prod, team: payments}
                    default: deny
                """, Map.of());

        ConnectionConfig connection = config.connection("billing_2").orElseThrow();
        assertThat(connection.type()).isEqualTo("postgres");
        assertThat(((PostgresTarget) connection.target()).password().isEmpty()).isTrue();
        assertThat(((PostgresTarget) connection.target()).tls()).isEqualTo(new UpstreamTls(UpstreamTls.Mode.VERIFY_FULL,
                Optional.of(Path.of("/cfg/ca.pem"))));
        assertThat(connection.labels()).containsExactly(Map.entry("env", "prod"), Map.entry("team", "payments"));
        assertThat(connection.denyByDefault()).isTrue();
        assertThat(connection.allow().permits(principal("alice", Set.of()))).isTrue();
        assertThat(connection.allow().permits(principal("bob", Set.of("sre")))).isFalse();
    }

    @Test
    void allowRulePermitsByGroupOrSubjectAndAnEmptyRulePermitsNobody() {
        AllowRule rule = new AllowRule(Set.of("sre"), Set.of("carol"));

        assertThat(rule.permits(principal("bob", Set.of("dev", "sre")))).isTrue();
        assertThat(rule.permits(principal("carol", Set.of()))).isTrue();
        assertThat(rule.permits(principal("dave", Set.of("dev")))).isFalse();
        assertThat(AllowRule.nobody().permits(principal("carol", Set.of("sre")))).isFalse();
    }

    @Test
    void bindsTokenLifetimesAndSessionGracePerIssuerWithFileAndLineErrors() {
        SluiceConfig config = ConfigLoader.parse(FILE, """
                identity:
                  session-grace: 5s
                  max-token-lifetime: 8h
                  oidc:
                    - issuer: https://a.example
                      audience: sluice
                    - issuer: https://b.example
                      audience: sluice
                      session-grace: 0s
                      max-token-lifetime: 15m
                """, Map.of());
        assertThat(config.identity().oidc()).extracting(OidcIssuerConfig::maxTokenLifetime, OidcIssuerConfig::sessionGrace)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(java.time.Duration.ofHours(8),
                        java.time.Duration.ofSeconds(5)), org.assertj.core.groups.Tuple.tuple(
                        java.time.Duration.ofMinutes(15), java.time.Duration.ZERO));
        assertThat(config.identity().sessionGrace("https://b.example")).isZero();
        assertThat(config.identity().sessionGrace("http://127.0.0.1/dev")).hasSeconds(5);
        assertThat(ConfigLoader.parse(FILE, "identity: {}\n", Map.of()).identity().sessionGrace())
                .hasSeconds(60);

        assertThatThrownBy(() -> ConfigLoader.parse(FILE, """
                identity:
                  session-grace: 2h
                  oidc:
                    - issuer: https://a.example
                      audience: sluice
                      max-token-lifetime: 1000d
                """, Map.of())).isInstanceOf(ConfigException.class)
                .hasMessageContaining("sluice.yaml:2: identity.session-grace: expected a grace from 0s to 1h")
                .hasMessageContaining("sluice.yaml:6: identity.oidc[0].max-token-lifetime: expected a lifetime "
                        + "from 1s to 366d");
    }

    @Test
    void reportsAMissingConfigurationFile(@TempDir Path dir) {
        Path file = dir.resolve("absent.yaml");

        assertThatThrownBy(() -> ConfigLoader.load(file, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessage(file + ":1: (root): the configuration file does not exist");
    }

    @Test
    void refusesATopLevelThatIsNotAMap() {
        assertThatThrownBy(() -> ConfigLoader.parse(FILE, "- a\n- b\n", Map.of()))
                .hasMessage("sluice.yaml:1: (root): expected a map of settings at the top level, got a list");
    }

    static Principal principal(String subject, Set<String> groups) {
        return new Principal("https://issuer", subject, subject, groups, Principal.Kind.HUMAN, List.of());
    }
}
