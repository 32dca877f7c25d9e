package dev.sluice.bench;

/**
 * A realistic 50-rule policy for the benchmarks: the rules of docs/policy.md, a hardening set, rules for other
 * groups (selected away early), table globs, CEL conditions that run on every statement, holds and allows.
 * <p>
 * Table globs name tables, not schemas: a schema glob such as {@code vault.*} also matches every table written
 * without a schema (docs/policy.md, "How tables and functions match"), which would deny the benchmark statements.
 */
final class Rules {
    private Rules() {
    }

    /** @param cel whether 10 rules use CEL {@code when} conditions; else equivalent kinds/tables conditions */
    static String yaml(boolean cel) {
        StringBuilder result = new StringBuilder("""
                - name: agents-never-destroy
                  connections: [orders]
                  groups: [agents]
                  deny: {kinds: [DROP, TRUNCATE, ALTER]}
                - name: writes-need-a-where
                  connections: [orders]
                  groups: [agents]
                  deny: {when: "command.kind in ['DELETE', 'UPDATE'] && !command.has_where"}
                - name: deletes-need-a-human
                  connections: [orders]
                  groups: [agents]
                  require-approval: {kinds: [DELETE], approvers: [sre]}
                - name: no-dangerous-functions
                  groups: [agents]
                  deny: {functions: [dangerous]}
                - name: no-role-switching
                  groups: [agents]
                  deny: {kinds: [SET_ROLE]}
                - name: no-privilege-changes
                  groups: [agents]
                  deny: {kinds: [GRANT, REVOKE]}
                - name: no-server-side-io
                  groups: [agents]
                  deny: {kinds: [COPY_PROGRAM, COPY_FILE, ALTER_SYSTEM]}
                - name: no-opaque-code
                  groups: [agents]
                  deny: {kinds: [OPAQUE]}
                - name: no-secrets
                  groups: [agents]
                  deny: {tables: ["*secret*", "*vault*"]}
                - name: prod-is-labelled
                  connections: ["label:env=prod"]
                  deny: {when: "identity.kind == 'machine' && command.statement_count > 20"}
                """);
        for (int i = 0; i < 10; i++) {
            result.append("""
                    - name: team-%1$d-own-tables
                      groups: [team-%1$d]
                      deny: {tables: ["team_%1$d_*"]}
                    """.formatted(i));
        }
        for (int i = 0; i < 10; i++) {
            result.append("""
                    - name: archive-%1$d-read-only
                      groups: [agents]
                      deny: {kinds: [INSERT, UPDATE, DELETE, MERGE], tables: ["archive_%1$d_*", "*_frozen_%1$d"]}
                    """.formatted(i));
        }
        for (int i = 0; cel && i < 10; i++) {
            result.append("""
                    - name: cel-%1$d
                      groups: [agents]
                      deny:
                        when: "command.tables.exists(t, t.startsWith('audit_%1$d')) && command.kind != 'SELECT'"
                    """.formatted(i));
        }
        for (int i = 0; !cel && i < 10; i++) {
            result.append("""
                    - name: no-cel-%1$d
                      groups: [agents]
                      deny: {kinds: [INSERT, UPDATE, DELETE, MERGE], tables: ["audit_%1$d*"]}
                    """.formatted(i));
        }
        for (int i = 0; i < 5; i++) {
            result.append("""
                    - name: hold-%1$d
                      groups: [agents]
                      require-approval: {tables: ["payroll_%1$d_*"], approvers: [dba]}
                    """.formatted(i));
        }
        for (int i = 0; i < 5; i++) {
            result.append("""
                    - name: allow-%1$d
                      groups: [agents]
                      allow: {kinds: [SELECT], tables: ["reporting_%1$d_*"]}
                    """.formatted(i));
        }
        return result.toString();
    }
}
