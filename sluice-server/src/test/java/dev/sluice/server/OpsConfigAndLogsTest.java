package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sluice.core.config.ConfigException;
import dev.sluice.core.config.ConfigLoader;

/** The operating config keys, the JSON log layout, and the bounded reason labels, on their own. */
class OpsConfigAndLogsTest {
    @TempDir
    Path dir;

    private OpsConfig load(String yaml) throws Exception {
        Path file = dir.resolve("sluice.yaml");
        Files.writeString(file, yaml);
        return OpsConfig.of(GatewayStates.build(ConfigLoader.load(file)).config());
    }

    @Test
    void defaultsAreTextLogsThirtySecondsOfDrainAndMetricsOn() throws Exception {
        assertThat(load("")).isEqualTo(new OpsConfig("text", Duration.ofSeconds(30), true));
        assertThat(load("logging:\n  format: json\nshutdown:\n  drain-timeout: 5s\nmetrics:\n  enabled: false\n"))
                .isEqualTo(new OpsConfig("json", Duration.ofSeconds(5), false));
    }

    @Test
    void badValuesAreReportedWithFileAndLine() {
        assertThatThrownBy(() -> load("logging:\n  format: xml\nshutdown:\n  drain-timeout: 2h\n  grace: 1s\n"))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
                        .extracting(Object::toString).anySatisfy(p -> assertThat(p).contains("sluice.yaml:2:",
                                "logging.format"))
                        .anySatisfy(p -> assertThat(p).contains("sluice.yaml:4:", "0s to 1h"))
                        .anySatisfy(p -> assertThat(p).contains("sluice.yaml:5:", "unknown key 'grace'")));
    }

    @Test
    void aJsonLogEventIsOneLineOfValidJsonEvenWithNewlinesQuotesAndAStackTrace() throws Exception {
        LoggerContext context = new LoggerContext();
        Logger logger = context.getLogger("dev.sluice.test");
        LoggingEvent event = new LoggingEvent("x", logger, Level.WARN, "line one\nline \"two\" {}",
                new IllegalStateException("boom"), new Object[] {"arg"});
        JsonLogLayout layout = new JsonLogLayout();
        layout.setContext(context);
        layout.start();
        String line = layout.doLayout(event);
        assertThat(line.strip()).doesNotContain("\n");
        JsonNode json = new ObjectMapper().readTree(line);
        assertThat(json.path("level").asText()).isEqualTo("WARN");
        assertThat(json.path("logger").asText()).isEqualTo("dev.sluice.test");
        assertThat(json.path("message").asText()).isEqualTo("line one\nline \"two\" arg");
        assertThat(json.path("exception").asText()).contains("IllegalStateException: boom");
        assertThat(json.path("time").asText()).endsWith("Z");
    }

    @Test
    void tokenRefusalsMapOntoAClosedSetOfReasons() {
        Map<String, String> cases = Map.of(
                "token expired", "expired",
                "signature invalid", "signature",
                "unknown signing key", "signature",
                "unsupported algorithm none", "signature",
                "untrusted issuer", "issuer",
                "wrong audience", "audience",
                "malformed token", "malformed",
                "identity provider unavailable: connect timed out", "provider_unavailable",
                "TLS required", "tls_required",
                "anything an attacker can make a verifier say: ' \" \n {}", "other");
        cases.forEach((reason, label) -> assertThat(GatewayMetrics.AuthReasons.of(reason)).as(reason)
                .isEqualTo(label));
    }
}
