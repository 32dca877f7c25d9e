package dev.sluice.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sluice.core.config.ConfigException;
import dev.sluice.core.config.ConfigLoader;
import dev.sluice.core.config.SluiceConfig;

class AuditSettingsTest {
    @TempDir
    Path dir;

    private SluiceConfig config(String audit) throws IOException {
        Path file = dir.resolve("sluice.yaml");
        Files.writeString(file, """
                listen:
                  postgres: 127.0.0.1:0
                data-dir: ./data
                identity:
                  oidc:
                    - issuer: https://idp.example
                      audience: sluice
                """ + audit);
        return ConfigLoader.load(file);
    }

    @Test
    void defaultsToTheEmbeddedStoreWithAKeyInTheDataDir() throws IOException {
        AuditSettings result = AuditSettings.of(config(""), Map.of());

        assertThat(result.file()).isEqualTo(dir.resolve("data/audit.db"));
        assertThat(result.postgres()).isEmpty();
        assertThat(result.sync()).isEqualTo(SyncMode.NORMAL);
        assertThat(result.signingKey()).isEqualTo(dir.resolve("data/keys/audit-signing.key"));
        assertThat(result.checkpointInterval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(result.checkpointEvents()).isEqualTo(1000);
        assertThat(result.retention()).isEmpty();
    }

    @Test
    void bindsThePostgresStoreWithItsPasswordFromTheEnvironment() throws IOException {
        AuditSettings result = AuditSettings.of(config("""
                audit:
                  store: postgres
                  url: jdbc:postgresql://127.0.0.1:5432/sluice
                  user: sluice
                  password: ${env:AUDIT_PW}
                  sync: full
                  signing-key: keys/shared.key
                  checkpoint-interval: 30s
                  checkpoint-events: 500
                  retention: 400d
                """), Map.of("AUDIT_PW", "s3cret"));

        assertThat(result.postgres()).get().extracting(PostgresStoreConfig::url, PostgresStoreConfig::user)
                .containsExactly("jdbc:postgresql://127.0.0.1:5432/sluice", "sluice");
        assertThat(result.postgres().orElseThrow().password().reveal()).isEqualTo("s3cret");
        assertThat(result.toString()).doesNotContain("s3cret");
        assertThat(result.sync()).isEqualTo(SyncMode.FULL);
        assertThat(result.signingKey()).isEqualTo(dir.resolve("keys/shared.key"));
        assertThat(result.checkpointInterval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(result.checkpointEvents()).isEqualTo(500);
        assertThat(result.retention()).isEqualTo(Optional.of(Duration.ofDays(400)));
    }

    @Test
    void reportsEveryProblemWithItsFileAndLine() throws IOException {
        SluiceConfig config = config("""
                audit:
                  store: mysql
                  sync: sometimes
                  checkpoint-events: 0
                  retention: forever
                  colour: blue
                  max-statement-bytes: 10
                """);

        assertThatThrownBy(() -> AuditSettings.of(config, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("sluice.yaml:9: audit.store: unsupported value 'mysql'")
                .hasMessageContaining("sluice.yaml:10: audit.sync")
                .hasMessageContaining("sluice.yaml:11: audit.checkpoint-events")
                .hasMessageContaining("sluice.yaml:12: audit.retention")
                .hasMessageContaining("sluice.yaml:13: audit.colour: unknown key")
                .hasMessageContaining("sluice.yaml:14: audit.max-statement-bytes");
    }

    @Test
    void requiresUrlUserAndPasswordForPostgresWithoutShowingTheSecret() throws IOException {
        SluiceConfig config = config("""
                audit:
                  store: postgres
                  url: mysql://x
                  password: ${env:MISSING}
                """);

        assertThatThrownBy(() -> AuditSettings.of(config, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("missing required key 'user'")
                .hasMessageContaining("audit.url: expected a jdbc:postgresql:// URL")
                .hasMessageContaining("environment variable MISSING is not set");
    }

    @Test
    void refusesPostgresKeysForTheEmbeddedStore() throws IOException {
        assertThatThrownBy(() -> AuditSettings.of(config("audit:\n  url: jdbc:postgresql://x/y\n"), Map.of()))
                .hasMessageContaining("audit.url: only for store: postgres");
    }
}
