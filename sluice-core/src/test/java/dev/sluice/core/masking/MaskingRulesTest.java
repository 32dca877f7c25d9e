package dev.sluice.core.masking;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sluice.core.config.ConfigException;
import dev.sluice.core.config.ConfigNode;
import dev.sluice.core.config.SecretResolver;

class MaskingRulesTest {
    private static final Path FILE = Path.of("sluice.yaml");
    private static final MaskingKeys KEY = MaskingKeys.fixed("0123456789abcdef0123".getBytes());
    private static final String EXAMPLE = """
            masking:
              - name: customer-pii
                connections: [orders]
                unless-groups: [dpo]
                columns:
                  customers.card: partial       # keeps the last 4 digits
                  customers.email: hash
                  customers.ssn: null
                  "*.iban": redact
                  /pay(ment)?s\\.token_.*/: redact(gone)
                detectors: [card, email]        # applied to every other text value
                custom-detectors:
                  - name: order-ref
                    pattern: 'ORD-[0-9]{8}'
                strategy: redact
            """;

    private static MaskingRules parse(String yaml) {
        return MaskingRules.parse(ConfigNode.parse(FILE, yaml).at("masking"), KEY, new SecretResolver(Map.of()));
    }

    @Test
    void parsesTheDocumentedExample() {
        MaskingRules rules = parse(EXAMPLE);
        MaskingPlan plan = rules.plan("orders", Set.of("agents"));
        assertThat(plan.isEmpty()).isFalse();
        assertThat(plan.column("public", "customers", "card")).hasValueSatisfying(m -> {
            assertThat(m.ruleName()).isEqualTo("customer-pii");
            assertThat(m.strategy()).isEqualTo(new Strategy.Partial(0, 4, '*'));
        });
        assertThat(plan.column("", "customers", "ssn")).hasValueSatisfying(m -> assertThat(m.nullifies()).isTrue());
        assertThat(plan.column("", "accounts", "IBAN")).isPresent();
        assertThat(plan.column("", "payments", "token_v2")).hasValueSatisfying(
                m -> assertThat(m.strategy().apply("x")).isEqualTo("gone"));
        assertThat(plan.column("", "customers", "name")).isEmpty();
        MaskTally tally = new MaskTally();
        assertThat(plan.maskText("mail bob@example.com re ORD-12345678", tally))
                .isEqualTo("mail [REDACTED] re [REDACTED]");
        assertThat(tally.take()).containsEntry("customer-pii/email", 1L).containsEntry("customer-pii/order-ref", 1L);
        assertThat(tally.take()).isEmpty();
    }

    @Test
    void plainTextComesBackAsTheSameInstance() {
        MaskingPlan plan = parse(EXAMPLE).plan("orders", Set.of());
        String clean = "nothing to see, order 42 on 2024-05-01";
        assertThat(plan.maskText(clean, new MaskTally())).isSameAs(clean);
    }

    @Test
    void appliesOnlyToItsConnectionsAndNotToExemptGroups() {
        MaskingRules rules = parse(EXAMPLE);
        assertThat(rules.plan("orders", Set.of("dpo", "agents")).isEmpty()).isTrue();
        assertThat(rules.plan("billing", Set.of("agents")).isEmpty()).isTrue();
        assertThat(parse("masking:\n  - name: all\n    detectors: [email]\n").plan("any", Set.of()).isEmpty())
                .isFalse();
    }

    @Test
    void hashTokensAreStableUnderOneKey() {
        MaskingPlan a = parse(EXAMPLE).plan("orders", Set.of());
        MaskingPlan b = parse(EXAMPLE).plan("orders", Set.of());
        MaskingPlan.ColumnMask ma = a.column("", "customers", "email").orElseThrow();
        MaskingPlan.ColumnMask mb = b.column("", "customers", "email").orElseThrow();
        assertThat(a.maskColumn(ma, "bob@example.com", "customers.email", new MaskTally()))
                .isEqualTo(b.maskColumn(mb, "bob@example.com", "customers.email", new MaskTally()))
                .startsWith("h:");
    }

    @Test
    void reportsEveryProblemAtItsFileAndLine() {
        String yaml = """
                masking:
                  - name: bad
                    colour: red
                    columns:
                      email: hash
                      customers.card: scramble
                      /[/: redact
                    detectors: [card, nope]
                    custom-detectors:
                      - name: card
                        pattern: '[0-9]+'
                      - name: empty
                        pattern: 'x*'
                  - name: bad
                    detectors: [email]
                  - name: nothing
                """;
        assertThatThrownBy(() -> parse(yaml)).isInstanceOfSatisfying(ConfigException.class, e -> {
            assertThat(e.problems()).extracting(p -> p.file() + ":" + p.line()).contains("sluice.yaml:3",
                    "sluice.yaml:5", "sluice.yaml:6", "sluice.yaml:7", "sluice.yaml:8", "sluice.yaml:10",
                    "sluice.yaml:12", "sluice.yaml:14", "sluice.yaml:16");
            assertThat(e.getMessage()).contains("unknown key 'colour'", "names no table", "scramble",
                    "not a valid regex", "unknown detector 'nope'", "taken by a built-in", "empty string",
                    "duplicate masking rule name 'bad'", "masks nothing");
        });
    }

    @Test
    void aMaskingSectionThatIsNotAListIsAProblem() {
        assertThatThrownBy(() -> parse("masking:\n  name: x\n")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("sluice.yaml:1").hasMessageContaining("expected a list");
    }

    @Test
    void createsTheHashKeyInTheDataDirOnFirstUseWithOwnerOnlyAccess(@TempDir Path dataDir) throws Exception {
        MaskingKeys keys = MaskingKeys.dataDir(dataDir);
        byte[] first = keys.hashKey();
        Path file = dataDir.resolve(MaskingKeys.FILE);
        assertThat(first).hasSize(32);
        assertThat(Files.getPosixFilePermissions(file)).containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ,
                PosixFilePermission.OWNER_WRITE);
        assertThat(keys.hashKey()).isEqualTo(first);
        assertThat(MaskingKeys.dataDir(dataDir).hashKey()).isEqualTo(first);
    }

    @Test
    void aRuleMayCarryItsOwnHashKeyFromTheEnvironment() {
        String yaml = "masking:\n  - name: k\n    hash-key: ${env:MASK_KEY}\n    columns:\n      t.c: hash\n";
        MaskingKeys failing = () -> {
            throw new MaskingConfigException("must not be asked");
        };
        MaskingRules rules = MaskingRules.parse(ConfigNode.parse(FILE, yaml).at("masking"), failing,
                new SecretResolver(Map.of("MASK_KEY", "a-key-of-enough-bytes")));
        MaskingPlan plan = rules.plan("c", Set.of());
        assertThat(plan.maskColumn(plan.column("", "t", "c").orElseThrow(), "v", "t.c", new MaskTally()))
                .startsWith("h:");
    }

    @Test
    void columnGlobsAndRegexesMatchQualifiedNames() {
        assertThat(ColumnPattern.parse("*.email").matches("public", "customers", "email")).isTrue();
        assertThat(ColumnPattern.parse("customers.*").matches("", "customers", "card")).isTrue();
        assertThat(ColumnPattern.parse("public.customers.card").matches("public", "customers", "card")).isTrue();
        assertThat(ColumnPattern.parse("public.customers.card").matches("sales", "customers", "card")).isFalse();
        assertThat(ColumnPattern.parse("/.*\\.e?mail/").matches("", "users", "mail")).isTrue();
        assertThat(ColumnPattern.parse("customers.card").matches("", "customers", "cards")).isFalse();
    }
}
