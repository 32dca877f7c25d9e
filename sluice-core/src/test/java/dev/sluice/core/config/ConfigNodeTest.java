package dev.sluice.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

class ConfigNodeTest {
    static final Path FILE = Path.of("conf/sluice.yaml");

    static String failure(String yaml) {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigNode.parse(FILE, yaml));
        assertThat(e).as("expected a parse failure").isNotNull();
        return e.getMessage();
    }

    @Test
    void navigatesMapsListsAndScalarsWithPathsAndLines() {
        ConfigNode root = ConfigNode.parse(FILE, """
                # comment
                connections:
                  - name: orders
                    allow:
                      groups: [agents, sre]
                  - name: billing
                """);

        ConfigNode connections = root.get("connections").orElseThrow();
        assertThat(connections.isList()).isTrue();
        assertThat(connections.line()).isEqualTo(2);
        ConfigNode second = connections.items().get(1);
        assertThat(second.path()).isEqualTo("connections[1]");
        assertThat(second.line()).isEqualTo(6);
        ConfigNode group = connections.items().getFirst().at("allow").at("groups").items().get(1);
        assertThat(group.isScalar()).isTrue();
        assertThat(group.text()).isEqualTo("sre");
        assertThat(group.path()).isEqualTo("connections[0].allow.groups[1]");
        assertThat(group.line()).isEqualTo(5);
        assertThat(group.problem("bad")).isEqualTo(new ConfigProblem(FILE, 5, "connections[0].allow.groups[1]", "bad"));
        assertThat(connections.items().getFirst().entries().keySet()).containsExactly("name", "allow");
    }

    @Test
    void aMissingKeyYieldsAMissingNodeThatNamesItAndPointsAtItsSection() {
        ConfigNode root = ConfigNode.parse(FILE, "listen:\n  http: off\n");

        ConfigNode missing = root.at("listen").at("postgres");

        assertThat(root.get("tls")).isEmpty();
        assertThat(missing.isMissing()).isTrue();
        assertThat(missing.path()).isEqualTo("listen.postgres");
        assertThat(missing.line()).isEqualTo(1);
        assertThat(missing.entries()).isEmpty();
        assertThat(missing.items()).isEmpty();
        assertThat(missing.text()).isEmpty();
    }

    @Test
    void distinguishesANullValueFromAnEmptyString() {
        ConfigNode root = ConfigNode.parse(FILE, "a:\nb: ~\nc: ''\n");

        assertThat(root.at("a").isNull()).isTrue();
        assertThat(root.at("b").isNull()).isTrue();
        assertThat(root.at("c").isNull()).isFalse();
        assertThat(root.at("c").isScalar()).isTrue();
    }

    @Test
    void anEmptyDocumentIsAnEmptySection() {
        ConfigNode root = ConfigNode.parse(FILE, "# nothing here\n");

        assertThat(root.isMissing()).isTrue();
        assertThat(root.entries()).isEmpty();
        assertThat(ConfigNode.empty(FILE).isMissing()).isTrue();
        assertThat(ConfigNode.empty(FILE).file()).isEqualTo(FILE);
    }

    @Test
    void expandsAliasesAtTheirUse() {
        ConfigNode root = ConfigNode.parse(FILE, "base: &b {mode: require}\nother: *b\n");

        assertThat(root.at("other").at("mode").text()).isEqualTo("require");
        assertThat(root.at("other").at("mode").path()).isEqualTo("other.mode");
    }

    @Test
    void givesTheLineOfASyntaxError() {
        assertThat(failure("listen:\n  postgres: [a, b\ntls: {}\n"))
                .startsWith("conf/sluice.yaml:3: (root): YAML syntax error: ");
        assertThat(failure("a: 1\nb: c: d\n"))
                .isEqualTo("conf/sluice.yaml:2: (root): YAML syntax error: mapping values are not allowed here");
        assertThat(failure("a: 1\n---\nb: 2\n")).isEqualTo("conf/sluice.yaml:2: (root): YAML syntax error: "
                + "expected a single document in the stream, but found another document");
    }

    @Test
    void refusesEveryDuplicateKeyOfEveryMapping() {
        assertThat(failure("a: 1\nb:\n  c: 1\n  c: 2\na: 3\n")).isEqualTo("""
                conf/sluice.yaml:4: b.c: duplicate key 'c' (first defined on line 3)
                conf/sluice.yaml:5: a: duplicate key 'a' (first defined on line 1)""");
    }

    @Test
    void refusesANonScalarKey() {
        assertThat(failure("? [a]\n: b\n")).isEqualTo("conf/sluice.yaml:1: (root): a key must be a plain string, "
                + "not a list");
    }

    @Test
    void refusesARecursiveAlias() {
        assertThat(failure("a: &x [1, *x]\n"))
                .isEqualTo("conf/sluice.yaml:1: a[1]: recursive alias: a node cannot contain itself");
    }

    @Test
    void refusesAnAliasBombWithOneProblem() {
        StringBuilder yaml = new StringBuilder("l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
        for (int level = 1; level < 7; level++) {
            yaml.append("l").append(level).append(": &l").append(level).append(" [")
                    .append(String.join(", ", java.util.Collections.nCopies(5, "*l" + (level - 1)))).append("]\n");
        }

        String message = failure(yaml.toString());

        assertThat(message.lines()).singleElement().asString()
                .endsWith("document expands to more than 100000 nodes (check aliases)");
    }

    @Test
    void refusesTooManyAliases() {
        String yaml = "a: &a [x]\nb: [" + String.join(", ", java.util.Collections.nCopies(60, "*a")) + "]\n";

        assertThat(failure(yaml)).contains("Number of aliases for non-scalar nodes exceeds the specified max=50");
    }

    @Test
    void refusesTagsThatWouldConstructObjects() {
        assertThat(failure("x: !!javax.script.ScriptEngineManager [a]\n")).contains("YAML syntax error");
    }

    @Test
    void toStringShowsTheLocationButNeverTheText() {
        ConfigNode root = ConfigNode.parse(FILE, "password: hunter2\n");

        assertThat(root.at("password").toString()).isEqualTo("ConfigNode[conf/sluice.yaml:1 password a scalar]");
        assertThat(root.toString()).doesNotContain("hunter2");
    }

    @Test
    void entriesAndItemsCannotBeModified() {
        ConfigNode root = ConfigNode.parse(FILE, "a: [1]\n");

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> root.entries().put("b", root))
                .isInstanceOf(UnsupportedOperationException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> root.at("a").items().add(root))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThat(List.of(root.isMap(), root.isList(), root.isScalar())).containsExactly(true, false, false);
    }
}
