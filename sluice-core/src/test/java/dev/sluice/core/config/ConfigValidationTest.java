package dev.sluice.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** Every kind of problem, rendered exactly as a person sees it: {@code FILE:LINE: key.path: message}. */
class ConfigValidationTest {
    static final Path FILE = Path.of("sluice.yaml");

    static List<String> problems(String yaml) {
        return problems(yaml, Map.of());
    }

    static List<String> problems(String yaml, Map<String, String> env) {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.parse(FILE, yaml, env));
        assertThat(e).as("expected the configuration to be refused").isNotNull();
        assertThat(e.getMessage()).isEqualTo(String.join("\n", e.problems().stream().map(Object::toString).toList()));
        return e.problems().stream().map(ConfigProblem::toString).toList();
    }

    static String connection(String extra) {
        return """
                connections:
                  - name: orders
                    address: 127.0.0.1:5432
                    database: orders
                    user: app
                """ + extra.indent(4);
    }

    @Test
    void namesAnUnknownTopLevelKeyAndWhatWasExpected() {
        assertThat(problems("listen: {}\nlisten-on: 1\n")).containsExactly(
                "sluice.yaml:2: listen-on: unknown key 'listen-on' (expected one of: api, approvals, audit, connections, "
                        + "console, data-dir, exports, https, identity, limits, listen, logging, masking, metrics, "
                        + "policies, policy-dir, "
                        + "recording, relays, shutdown, ssh, tls)");
    }

    @Test
    void namesAnUnknownNestedKey() {
        assertThat(problems(connection("passwd: x"))).containsExactly(
                "sluice.yaml:6: connections[0].passwd: unknown key 'passwd' (expected one of: address, allow, "
                        + "database, default, labels, name, password, require-grant, tls, type, user, via)");
        assertThat(problems("identity:\n  oidc:\n    - issuer: https://a.example\n      audience: s\n"
                + "      group-claim: roles\n")).containsExactly(
                "sluice.yaml:5: identity.oidc[0].group-claim: unknown key 'group-claim' "
                        + "(expected one of: audience, groups-claim, issuer, max-token-lifetime, session-grace)");
    }

    @Test
    void refusesAListWhereAStringBelongs() {
        assertThat(problems(connection("").replace("user: app", "user: [app, admin]"))).containsExactly(
                "sluice.yaml:5: connections[0].user: expected a string, got a list");
    }

    @Test
    void refusesAMapWhereASectionListBelongs() {
        assertThat(problems("connections:\n  name: orders\n")).containsExactly(
                "sluice.yaml:1: connections: expected a list, got a map");
        assertThat(problems("policies: deny-all\n")).containsExactly(
                "sluice.yaml:1: policies: expected a list, got a scalar");
        assertThat(problems("audit: [a]\n")).containsExactly("sluice.yaml:1: audit: expected a map, got a list");
    }

    @Test
    void refusesAPortThatIsNotANumber() {
        assertThat(problems("listen:\n  postgres: 127.0.0.1:abc\n")).containsExactly(
                "sluice.yaml:2: listen.postgres: invalid address '127.0.0.1:abc': the port must be a number from "
                        + "0 to 65535 (expected host:port, e.g. 127.0.0.1:5432)");
    }

    @Test
    void refusesBadAddresses() {
        assertThat(problems(connection("").replace("127.0.0.1:5432", "db.example.com"))).containsExactly(
                "sluice.yaml:3: connections[0].address: invalid address 'db.example.com': the port is missing "
                        + "(expected host:port, e.g. 127.0.0.1:5432)");
        assertThat(problems(connection("").replace("127.0.0.1:5432", "\"::1:5432\""))).containsExactly(
                "sluice.yaml:3: connections[0].address: invalid address '::1:5432': an IPv6 address must be in "
                        + "brackets, e.g. [::1]:5432 (expected host:port, e.g. 127.0.0.1:5432)");
        assertThat(problems(connection("").replace("127.0.0.1:5432", "300.1.1.1:5432"))).containsExactly(
                "sluice.yaml:3: connections[0].address: invalid address '300.1.1.1:5432': '300.1.1.1' is not a "
                        + "valid IPv4 address (expected host:port, e.g. 127.0.0.1:5432)");
        assertThat(problems(connection("").replace("127.0.0.1:5432", "127.0.0.1:0"))).containsExactly(
                "sluice.yaml:3: connections[0].address: port 0 is not a valid target port");
    }

    @Test
    void refusesABooleanThatIsNotTrueOrFalse() {
        assertThat(problems("identity:\n  dev-issuer: yes\n")).containsExactly(
                "sluice.yaml:2: identity.dev-issuer: expected true or false, got 'yes'");
    }

    @Test
    void namesAMissingRequiredKeyAtItsSection() {
        assertThat(problems("connections:\n  - name: orders\n    database: orders\n    user: app\n"))
                .containsExactly("sluice.yaml:2: connections[0]: missing required key 'address'");
        assertThat(problems("identity:\n  oidc:\n    - issuer: https://login.example.com\n"))
                .containsExactly("sluice.yaml:3: identity.oidc[0]: missing required key 'audience'");
    }

    @Test
    void refusesAnUnsupportedConnectionType() {
        assertThat(problems(connection("type: mysql"))).containsExactly(
                "sluice.yaml:6: connections[0].type: unsupported type 'mysql', expected one of: postgres, ssh, "
                        + "kubernetes, http");
    }

    @Test
    void refusesABadConnectionName() {
        assertThat(problems(connection("").replace("name: orders", "name: Orders DB"))).containsExactly(
                "sluice.yaml:2: connections[0].name: invalid connection name 'Orders DB' (expected lower-case "
                        + "letters, digits, '-' and '_', starting with a letter or digit, at most 63 characters)");
    }

    @Test
    void refusesTheSecondConnectionWithTheSameName() {
        String yaml = connection("") + """
                  - name: orders
                    address: 127.0.0.1:5433
                    database: orders2
                    user: app
                """;
        assertThat(problems(yaml)).containsExactly(
                "sluice.yaml:6: connections[1].name: duplicate connection name 'orders' (first defined on line 2)");
    }

    @Test
    void refusesAnUnknownDefaultActionAndTlsMode() {
        assertThat(problems(connection("default: maybe\ntls:\n  mode: verify-ca"))).containsExactly(
                "sluice.yaml:6: connections[0].default: unsupported value 'maybe' (expected one of: allow, deny)",
                "sluice.yaml:8: connections[0].tls.mode: unsupported value 'verify-ca' "
                        + "(expected one of: disable, prefer, require, verify-full)");
    }

    @Test
    void requiresACaFileForVerifyFullAndOnlyThere() {
        assertThat(problems(connection("tls: {mode: verify-full}"))).containsExactly(
                "sluice.yaml:6: connections[0].tls.mode: mode verify-full needs tls.ca-file");
        assertThat(problems(connection("tls:\n  mode: require\n  ca-file: ca.pem"))).containsExactly(
                "sluice.yaml:8: connections[0].tls.ca-file: ca-file is used only with mode verify-full "
                        + "(mode is require)");
    }

    @Test
    void refusesAnHttpIssuerOnANonLoopbackHost() {
        assertThat(problems("identity:\n  oidc:\n    - issuer: http://login.example.com/realm\n"
                + "      audience: sluice\n")).containsExactly(
                "sluice.yaml:3: identity.oidc[0].issuer: the issuer must use https (http is allowed only for a "
                        + "loopback host such as 127.0.0.1 or localhost, got host login.example.com)");
    }

    @Test
    void acceptsAnHttpIssuerOnLoopbackAndRefusesADuplicateIssuer() {
        SluiceConfig config = ConfigLoader.parse(FILE, "identity:\n  oidc:\n    - issuer: http://localhost:8080/\n"
                + "      audience: sluice\n      groups-claim: roles\n", Map.of());
        assertThat(config.identity().oidc().getFirst().groupsClaim()).isEqualTo("roles");

        assertThat(problems("identity:\n  oidc:\n    - {issuer: 'https://a.example', audience: s}\n"
                + "    - {issuer: 'https://a.example', audience: t}\n")).containsExactly(
                "sluice.yaml:4: identity.oidc[1].issuer: duplicate issuer https://a.example");
    }

    @Test
    void refusesPlaintextOnANonLoopbackListener() {
        assertThat(problems("listen:\n  postgres: 0.0.0.0:15432\ntls:\n  allow-plaintext: true\n")).containsExactly(
                "sluice.yaml:4: tls.allow-plaintext: plaintext is allowed only while listen.postgres is a "
                        + "loopback address (it is 0.0.0.0:15432)");
    }

    @Test
    void acceptsPlaintextOnALoopbackListener() {
        SluiceConfig config = ConfigLoader.parse(FILE, "listen:\n  postgres: localhost:15432\ntls:\n"
                + "  allow-plaintext: true\n", Map.of());

        assertThat(config.tls().allowPlaintext()).isTrue();
    }

    @Test
    void requiresCertAndKeyTogether() {
        assertThat(problems("tls:\n  cert-file: cert.pem\n")).containsExactly(
                "sluice.yaml:2: tls.cert-file: key-file is required when cert-file is given");
    }

    @Test
    void reportsEveryProblemOfTheFileAtOnceInLineOrder() {
        String yaml = """
                listen:
                  postgres: 0.0.0.0:99999
                  http: nowhere
                identity:
                  dev-issuer: maybe
                connections:
                  - name: orders
                    type: oracle
                    address: 127.0.0.1:5432
                    database: [orders]
                    user: app
                    password: ${env:ORDERS_DB_PASSWORD}
                  - name: orders
                    address: 127.0.0.1:5432
                    database: orders
                    user: app
                colour: blue
                """;

        assertThat(problems(yaml)).containsExactly(
                "sluice.yaml:2: listen.postgres: invalid address '0.0.0.0:99999': the port must be a number from 0 "
                        + "to 65535 (expected host:port, e.g. 127.0.0.1:5432)",
                "sluice.yaml:3: listen.http: invalid address 'nowhere': the port is missing "
                        + "(expected host:port, e.g. 127.0.0.1:5432)",
                "sluice.yaml:5: identity.dev-issuer: expected true or false, got 'maybe'",
                "sluice.yaml:8: connections[0].type: unsupported type 'oracle', expected one of: postgres, ssh, "
                        + "kubernetes, http",
                "sluice.yaml:10: connections[0].database: expected a string, got a list",
                "sluice.yaml:12: connections[0].password: environment variable ORDERS_DB_PASSWORD is not set",
                "sluice.yaml:13: connections[1].name: duplicate connection name 'orders' (first defined on line 7)",
                "sluice.yaml:17: colour: unknown key 'colour' (expected one of: api, approvals, audit, connections, "
                        + "console, data-dir, exports, https, identity, limits, listen, logging, masking, metrics, "
                        + "policies, policy-dir, "
                        + "recording, relays, shutdown, ssh, tls)");
    }

    @Test
    void namesAMissingEnvironmentVariable() {
        assertThat(problems(connection("password: ${env:ORDERS_DB_PASSWORD}"))).containsExactly(
                "sluice.yaml:6: connections[0].password: environment variable ORDERS_DB_PASSWORD is not set");
    }

    @Test
    void namesAMissingSecretFile() {
        Path file = Path.of("/etc/sluice/sluice.yaml");
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.parse(file,
                connection("password: ${file:secrets/orders.pw}"), Map.of()));

        assertThat(e.getMessage()).isEqualTo("/etc/sluice/sluice.yaml:6: connections[0].password: secret file "
                + "/etc/sluice/secrets/orders.pw does not exist");
    }

    @Test
    void neverShowsAResolvedSecretInAnyMessage() {
        String secret = "pa55-in-env";
        String yaml = connection("password: x-${env:PW}-${env:MISSING}").replace("user: app", "user: [app]");

        ConfigException e = catchThrowableOfType(ConfigException.class,
                () -> ConfigLoader.parse(FILE, yaml, Map.of("PW", secret)));

        assertThat(e.getMessage()).doesNotContain(secret).contains("environment variable MISSING is not set");
        assertThat(e.problems()).allSatisfy(p -> assertThat(p.toString()).doesNotContain(secret));
    }

    @Test
    void neverQuotesALiteralPasswordWithABrokenReference() {
        String literal = "hunter2${oops";

        List<String> messages = problems(connection("password: " + literal));

        assertThat(messages).containsExactly("sluice.yaml:6: connections[0].password: unterminated secret reference:"
                + " missing '}' (expected ${env:NAME} or ${file:PATH}; write $${ for a literal ${)");
        assertThat(String.join("\n", messages)).doesNotContain("hunter2");
    }

    @Test
    void givesTheLineOfAYamlSyntaxError() {
        assertThat(problems("listen:\n  postgres: 127.0.0.1:1\n http: x\n")).singleElement().asString()
                .startsWith("sluice.yaml:3: (root): YAML syntax error: ");
    }

    @Test
    void refusesADuplicateKey() {
        assertThat(problems("listen:\n  http: off\n  http: 127.0.0.1:1\n")).containsExactly(
                "sluice.yaml:3: listen.http: duplicate key 'http' (first defined on line 2)");
    }
}
