package dev.sluice.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ConfigProblemsTest {
    static final Path FILE = Path.of("/cfg/x.yaml");
    final ConfigProblems problems = new ConfigProblems();

    List<String> messages() {
        return problems.list().stream().map(ConfigProblem::toString).toList();
    }

    @ParameterizedTest
    @CsvSource({"30s, PT30S", "15m, PT15M", "2h, PT2H", "400d, PT9600H", "1h30m, PT1H30M", "500ms, PT0.5S", "0s, PT0S"})
    void parsesDurations(String text, Duration expected) {
        assertThat(Durations.parse(text)).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "15", "m", "15 m", "1.5h", "-3s", "15min", "9999999999s"})
    void refusesMalformedDurations(String text) {
        assertThatThrownBy(() -> Durations.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected a number and a unit: ms, s, m, h or d");
    }

    @Test
    void readsTypedValuesAndRecordsAProblemForEachBadOneThenReturnsTheDefault() {
        ConfigNode node = ConfigNode.parse(FILE, """
                ttl: 15m
                bad-ttl: soon
                flag: true
                bad-flag: "1"
                count: 7
                bad-count: 70
                names: [a, b, a]
                bad-names: [a, [b]]
                home: data
                """);

        assertThat(problems.duration(node, "ttl", Duration.ZERO)).isEqualTo(Duration.ofMinutes(15));
        assertThat(problems.duration(node, "bad-ttl", Duration.ofSeconds(1))).isEqualTo(Duration.ofSeconds(1));
        assertThat(problems.duration(node, "absent", Duration.ofHours(2))).isEqualTo(Duration.ofHours(2));
        assertThat(problems.bool(node, "flag", false)).isTrue();
        assertThat(problems.bool(node, "bad-flag", false)).isFalse();
        assertThat(problems.integer(node, "count", 0, 1, 10)).isEqualTo(7);
        assertThat(problems.integer(node, "bad-count", 3, 1, 10)).isEqualTo(3);
        assertThat(problems.stringList(node, "names")).containsExactly("a", "b");
        assertThat(problems.stringList(node, "bad-names")).containsExactly("a");
        assertThat(problems.path(node, "home")).contains(Path.of("/cfg/data"));
        assertThat(problems.string(node, "absent", "fallback")).isEqualTo("fallback");
        assertThat(messages()).containsExactly(
                "/cfg/x.yaml:2: bad-ttl: invalid duration 'soon' (expected a number and a unit: ms, s, m, h or d, "
                        + "e.g. 15m or 1h30m)",
                "/cfg/x.yaml:4: bad-flag: expected true or false, got '1'",
                "/cfg/x.yaml:6: bad-count: expected an integer from 1 to 10, got '70'",
                "/cfg/x.yaml:8: bad-names[1]: expected a string, got a list");
    }

    @Test
    void rejectsUnknownKeysNamingTheExpectedOnesInOrder() {
        ConfigNode node = ConfigNode.parse(FILE, "b: 1\nzz: 2\na: 3\nyy: 4\n");

        problems.rejectUnknownKeys(node, Set.of("b", "a"));

        assertThat(messages()).containsExactly("/cfg/x.yaml:2: zz: unknown key 'zz' (expected one of: a, b)",
                "/cfg/x.yaml:4: yy: unknown key 'yy' (expected one of: a, b)");
    }

    @Test
    void throwsOnlyWhenSomethingWasRecorded() {
        problems.throwIfAny();
        problems.add(ConfigNode.empty(FILE), "boom");

        assertThatThrownBy(problems::throwIfAny).isInstanceOf(ConfigException.class)
                .hasMessage("/cfg/x.yaml:1: (root): boom");
    }

    @Test
    void treatsANullValueAsAbsent() {
        ConfigNode node = ConfigNode.parse(FILE, "a:\nb: ~\n");

        assertThat(problems.bool(node, "a", true)).isTrue();
        assertThat(problems.map(node, "b").isMissing()).isTrue();
        assertThat(problems.isEmpty()).isTrue();
    }
}
