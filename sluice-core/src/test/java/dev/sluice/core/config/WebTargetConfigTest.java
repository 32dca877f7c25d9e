package dev.sluice.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The keys kubernetes and http connections add, listen.https and the https section: bound, or refused at FILE:LINE. */
class WebTargetConfigTest {
    private static final Path FILE = Path.of("sluice.yaml");

    private static SluiceConfig load(String yaml) {
        return ConfigLoader.parse(FILE, yaml, Map.of("BILLING_TOKEN", "b-token"));
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
    void theIssueExampleBinds() {
        SluiceConfig config = load("""
                listen:
                  https: 0.0.0.0:8444
                https:
                  host-suffix: sluice.example
                connections:
                  - name: prod-k8s
                    type: kubernetes
                    address: https://10.0.0.1:6443
                    ca-file: /etc/sluice/k8s-ca.pem
                    token: "${env:BILLING_TOKEN}"
                    impersonate: true
                    allow: {groups: [sre, agents]}
                  - name: billing-api
                    type: http
                    address: http://127.0.0.1:9000/base
                    headers:
                      Authorization: "Bearer ${env:BILLING_TOKEN}"
                    allow: {groups: [agents]}
                """);
        assertThat(config.listen().protocol("https")).contains(new HostPort("0.0.0.0", 8444));
        assertThat(HttpsConfig.of(config).hostSuffix()).contains("sluice.example");
        ConnectionConfig k8s = config.connection("prod-k8s").orElseThrow();
        assertThat(k8s.type()).isEqualTo("kubernetes");
        assertThat(k8s.address()).isEqualTo(new HostPort("10.0.0.1", 6443));
        WebTarget target = (WebTarget) k8s.target();
        assertThat(target.impersonate()).isTrue();
        assertThat(target.tls().caFile()).contains(Path.of("/etc/sluice/k8s-ca.pem"));
        assertThat(target.credential()).isInstanceOfSatisfying(WebTarget.Credential.Headers.class, h ->
                assertThat(h.headers().getFirst().value().reveal()).isEqualTo("Bearer b-token"));
        assertThat(target.toString()).doesNotContain("b-token");
        ConnectionConfig http = config.connection("billing-api").orElseThrow();
        assertThat(http.address()).isEqualTo(new HostPort("127.0.0.1", 9000));
        assertThat(((WebTarget) http.target()).url().getPath()).isEqualTo("/base");
    }

    @Test
    void mistakesAreNamedAtTheirLine() {
        assertThat(problems("""
                https:
                  host-suffix: "bad suffix"
                  max-header-bytes: 10
                connections:
                  - name: a
                    type: kubernetes
                    address: 10.0.0.1:6443
                    allow: {groups: [x]}
                  - name: b
                    type: kubernetes
                    address: https://k8s:6443
                    insecure-skip-verify: true
                    ca-file: ca.pem
                    token: t
                    client-cert: c.pem
                    allow: {groups: [x]}
                  - name: c
                    type: http
                    address: http://svc:80
                    headers:
                      "Bad Header": x
                    basic-auth: {user: u, password: p}
                    impersonate: true
                    allow: {groups: [x]}
                """)).containsExactly(
                "sluice.yaml:2: https.host-suffix: expected a DNS name such as sluice.example.com",
                "sluice.yaml:3: https.max-header-bytes: expected an integer from 4096 to 1048576, got '10'",
                "sluice.yaml:7: connections[0].address: expected http(s)://HOST[:PORT][/base-path], got "
                        + "'10.0.0.1:6443'",
                "sluice.yaml:12: connections[1].insecure-skip-verify: insecure-skip-verify and ca-file exclude each "
                        + "other",
                "sluice.yaml:14: connections[1].token: token and client-cert exclude each other",
                "sluice.yaml:15: connections[1].client-cert: client-cert and client-key go together: give both or "
                        + "neither",
                "sluice.yaml:17: connections[2]: give at most one of headers, basic-auth and oauth2-client-credentials",
                "sluice.yaml:23: connections[2].impersonate: unknown key 'impersonate' (expected one of: address, "
                        + "allow, basic-auth, ca-file, default, headers, insecure-skip-verify, labels, name, "
                        + "oauth2-client-credentials, require-grant, type, via)");
    }

    @Test
    void theHttpsListenerIsOffUntilConfigured() {
        assertThat(load("connections: []\n").listen().protocol("https")).isEmpty();
        assertThatThrownBy(() -> load("listen:\n  https: nowhere\n")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("listen.https");
    }
}
