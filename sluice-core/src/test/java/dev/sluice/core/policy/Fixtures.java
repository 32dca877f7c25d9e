package dev.sluice.core.policy;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.sluice.core.identity.Principal;

/** Builders for policy tests: principals, commands and inputs. */
final class Fixtures {
    static final Instant NOW = Instant.parse("2025-06-02T10:15:30Z");

    static final String EXAMPLE = """
            policies:
              - name: agents-never-destroy
                connections: [orders]
                groups: [agents]
                deny:
                  kinds: [DROP, TRUNCATE, ALTER]
              - name: writes-need-a-where
                connections: [orders]
                groups: [agents]
                deny:
                  when: "command.kind in ['DELETE', 'UPDATE'] && !command.has_where"
              - name: deletes-need-a-human
                connections: [orders]
                groups: [agents]
                require-approval:
                  kinds: [DELETE]
                  approvers: [sre]
            """;

    private Fixtures() {
    }

    static PolicySet policies(String yaml) {
        return PolicySet.parse(List.of(YamlRuleSource.policies(Path.of("sluice.yaml"), yaml)));
    }

    static Principal principal(String subject, String... groups) {
        return new Principal("https://idp", subject, subject, Set.of(groups), Principal.Kind.MACHINE, List.of());
    }

    static Principal human(String subject, String... groups) {
        return new Principal("https://idp", subject, subject, Set.of(groups), Principal.Kind.HUMAN, List.of());
    }

    static Principal delegated(String subject, String actor, String... groups) {
        return new Principal("https://idp", subject, subject, Set.of(groups), Principal.Kind.HUMAN,
                List.of(new Principal.Actor(actor, actor)));
    }

    static Command sql(String kind, String text, Set<String> tables, boolean hasWhere) {
        return new SqlCommand("postgres", kind, text, tables, Set.of(), hasWhere, false, 1);
    }

    static Command sql(String kind) {
        return sql(kind, kind.toLowerCase() + " ...", Set.of("public.orders"), false);
    }

    static Command unknown() {
        return new SqlCommand("postgres", Command.UNKNOWN, "FROB THE orders", Set.of(), Set.of(), false, false, 1);
    }

    static Command opaque() {
        return new SqlCommand("postgres", "DO", "DO $$ BEGIN PERFORM 1; END $$", Set.of(), Set.of(), false, true, 1);
    }

    static PolicyInput input(Principal principal, String connection, String connectionDefault, Command command) {
        return new PolicyInput(principal, connection, Map.of(), connectionDefault, command, NOW, "10.0.0.7");
    }

    static PolicyInput input(Principal principal, Command command) {
        return input(principal, "orders", PolicyInput.ALLOW, command);
    }
}
