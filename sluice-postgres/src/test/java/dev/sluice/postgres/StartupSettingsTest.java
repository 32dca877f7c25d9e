package dev.sluice.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class StartupSettingsTest {

    @Test
    void optionsAreSplitAsPgSplitOptsDoes() {
        assertThat(StartupSettings.split("  -c a=b\\ c   --x-y=z\\\\w -cq=\\  ")).containsExactly("-c", "a=b c",
                "--x-y=z\\w", "-cq= ");
    }

    @Test
    void optionsAndKeysBecomeOneOrderedSetOfSettingsAndKeysWin() {
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("user", "agent");
        parameters.put("database", "orders");
        parameters.put("options", "-c DateStyle=German --work-mem=8MB -cstandard_conforming_strings=off");
        parameters.put("datestyle", "ISO, MDY");
        parameters.put("client_encoding", "UTF8");
        parameters.put("_pq_.foo", "bar");
        StartupSettings.Parsed parsed = StartupSettings.parse(parameters);
        assertThat(parsed.refusal()).isEmpty();
        assertThat(parsed.settings()).containsExactly(new StartupSettings.Setting("work_mem", "8MB"),
                new StartupSettings.Setting("datestyle", "ISO, MDY"));
    }

    @Test
    void unsafeOnesRefuseTheSession() {
        for (Map<String, String> parameters : List.of(Map.of("role", "x"), Map.of("SESSION_AUTHORIZATION", "x"),
                Map.of("replication", "true"), Map.of("options", "-c role=x"), Map.of("options", "-B 10"),
                Map.of("options", "--session-authorization=x"), Map.of("options", "-c x"),
                Map.of("options", "-c local_preload_libraries=x"), Map.of("Session_Preload_Libraries", "x"))) {
            assertThat(StartupSettings.parse(parameters).refusal()).as(parameters.toString()).isPresent();
        }
        assertThat(StartupSettings.parse(Map.of("replication", "off")).refusal()).isEmpty();
    }

    @Test
    void theSetTextQuotesNameAndValue() {
        assertThat(new StartupSettings.Setting("a\"b", "x'; DROP TABLE t; --").setText())
                .isEqualTo("SET \"a\"\"b\" = 'x''; DROP TABLE t; --'");
    }
}
