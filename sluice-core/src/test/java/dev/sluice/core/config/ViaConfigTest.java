package dev.sluice.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** {@code via: GROUP}: a connection a relay reaches, with no credential beside it; mistakes named at FILE:LINE. */
class ViaConfigTest {
    private static final Path FILE = Path.of("sluice.yaml");

    private static SluiceConfig load(String yaml) {
        return ConfigLoader.parse(FILE, yaml, Map.of("DB_PASSWORD", "secret-pw"));
    }

    private static List<String> problems(String yaml) {
        try {
            load(yaml);
            return List.of();
        } catch (ConfigException e) {
            return e.problems().stream().map(ConfigProblem::toString).toList();
        }
    }

    @Test
    void aViaConnectionBindsWithoutAddressOrCredential() {
        SluiceConfig config = load("""
                relays:
                  listen: 0.0.0.0:8444
                connections:
                  - name: orders
                    via: dc-east
                    database: orders
                    allow: {groups: [agents]}
                  - name: direct
                    address: 127.0.0.1:5432
                    database: orders
                    user: app
                    password: ${env:DB_PASSWORD}
                """);

        ConnectionConfig orders = config.connection("orders").orElseThrow();
        assertThat(orders.via()).contains("dc-east");
        assertThat(((PostgresTarget) orders.target()).password().isEmpty()).isTrue();
        assertThat(((PostgresTarget) orders.target()).database()).isEqualTo("orders");
        assertThat(config.connection("direct").orElseThrow().via()).isEmpty();
    }

    @Test
    void aCredentialOrAddressBesideViaIsAnErrorAtItsLine() {
        assertThat(problems("""
                connections:
                  - name: orders
                    via: dc-east
                    address: 10.0.0.7:5432
                    database: orders
                    user: app
                    password: ${env:DB_PASSWORD}
                """)).containsExactlyInAnyOrder(
                "sluice.yaml:4: connections[0].address: 'address' is not allowed beside 'via': the relay of group "
                        + "'dc-east' names the target's address in its own config",
                "sluice.yaml:6: connections[0].user: 'user' is not allowed beside 'via': the relay of group "
                        + "'dc-east' holds the target's address and credential (docs/relay.md)",
                "sluice.yaml:7: connections[0].password: 'password' is not allowed beside 'via': the relay of group "
                        + "'dc-east' holds the target's address and credential (docs/relay.md)");
    }

    @Test
    void anSshViaConnectionKeepsNoLoginKeyOrPinOnTheGateway() {
        SluiceConfig config = load("""
                connections:
                  - name: web
                    type: ssh
                    via: dc-east
                    allow: {groups: [sre]}
                """);

        SshTarget target = (SshTarget) config.connection("web").orElseThrow().target();
        assertThat(target).isEqualTo(SshTarget.via());
        assertThat(target.credential()).isInstanceOf(SshTarget.Credential.Relay.class);
        assertThat(target.allowsLogin("root")).as("a caller cannot pick a login").isFalse();
    }

    @Test
    void anSshLoginKeyOrPinBesideViaIsAnErrorAtItsLine() {
        assertThat(problems("""
                connections:
                  - name: web
                    type: ssh
                    via: dc-east
                    address: 10.0.0.8:22
                    user: deploy
                    private-key: ${env:DB_PASSWORD}
                    host-key: "SHA256:l5nLC30N562ldOeM5QXjFJl5nLC30N562ldOeM5QXjF"
                """)).containsExactlyInAnyOrder(
                "sluice.yaml:5: connections[0].address: 'address' is not allowed beside 'via': the relay of group "
                        + "'dc-east' names the target's address in its own config",
                "sluice.yaml:6: connections[0].user: 'user' is not allowed beside 'via': the relay of group "
                        + "'dc-east' holds the target's address and credential (docs/relay.md)",
                "sluice.yaml:7: connections[0].private-key: 'private-key' is not allowed beside 'via': the relay of "
                        + "group 'dc-east' holds the target's address and credential (docs/relay.md)",
                "sluice.yaml:8: connections[0].host-key: 'host-key' is not allowed beside 'via': the relay of group "
                        + "'dc-east' holds the target's address and credential (docs/relay.md)")
                .noneMatch(p -> p.contains("secret-pw"));
    }

    @Test
    void aBadGroupNameIsAnErrorAtItsLine() {
        assertThat(problems("""
                connections:
                  - name: orders
                    via: DC East
                    database: orders
                """)).anySatisfy(p -> assertThat(p).startsWith("sluice.yaml:3: connections[0].via: invalid relay group"));
    }

    @Test
    void aViaWebConnectionKeepsNoUrlTlsOrCredentialOnTheGateway() {
        SluiceConfig config = load("""
                connections:
                  - name: cluster
                    type: kubernetes
                    via: dc-east
                    impersonate: true
                  - name: billing-api
                    type: http
                    via: dc-east
                """);

        WebTarget cluster = (WebTarget) config.connection("cluster").orElseThrow().target();
        assertThat(cluster.credential()).isInstanceOf(WebTarget.Credential.None.class);
        assertThat(cluster.impersonate()).isTrue();
        assertThat(cluster.url().getHost()).isEqualTo("dc-east.relay.invalid");
        assertThat(config.connection("billing-api").orElseThrow().via()).contains("dc-east");
        assertThat(problems("""
                connections:
                  - name: cluster
                    type: kubernetes
                    via: dc-east
                    token: ${env:DB_PASSWORD}
                  - name: billing-api
                    type: http
                    via: dc-east
                    address: https://billing.internal
                    basic-auth:
                      user: app
                      password: ${env:DB_PASSWORD}
                """)).containsExactlyInAnyOrder(
                "sluice.yaml:5: connections[0].token: 'token' is not allowed beside 'via': the relay of group "
                        + "'dc-east' holds the target's address and credential (docs/relay.md)",
                "sluice.yaml:9: connections[1].address: 'address' is not allowed beside 'via': the relay of group "
                        + "'dc-east' names the target's address in its own config",
                "sluice.yaml:10: connections[1].basic-auth: 'basic-auth' is not allowed beside 'via': the relay of "
                        + "group 'dc-east' holds the target's address and credential (docs/relay.md)");
    }
}
