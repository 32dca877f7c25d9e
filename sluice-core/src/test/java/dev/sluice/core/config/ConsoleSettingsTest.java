package dev.sluice.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

class ConsoleSettingsTest {
    private static final Path FILE = Path.of("/etc/sluice/sluice.yaml");

    private static ConsoleSettings bind(String yaml, Map<String, String> env) {
        SluiceConfig config = ConfigLoader.parse(FILE, yaml, env);
        ConfigProblems problems = new ConfigProblems();
        ConsoleSettings result = ConsoleSettings.bind(config, env, problems);
        assertThat(problems.list()).isEmpty();
        return result;
    }

    @Test
    void peopleOidcAndThePublicUrlBindWithTheirDefaults() {
        ConsoleSettings settings = bind("""
                identity:
                  people:
                    oidc:
                      issuer: https://idp.example.com/realms/people
                      client-id: sluice-console
                      client-secret: ${env:CONSOLE_CLIENT_SECRET}
                console:
                  public-url: https://sluice.example:8443/
                """, Map.of("CONSOLE_CLIENT_SECRET", "s3cret"));
        assertThat(settings.publicUrl()).contains(URI.create("https://sluice.example:8443"));
        assertThat(settings.sessionLifetime()).isEqualTo(Duration.ofHours(8));
        assertThat(settings.idleTimeout()).isEqualTo(Duration.ofHours(1));
        ConsoleSettings.PeopleOidc oidc = settings.oidc().orElseThrow();
        assertThat(oidc.clientSecret().reveal()).isEqualTo("s3cret");
        assertThat(oidc.groupsClaim()).isEqualTo("groups");
        assertThat(oidc.scopes()).isEqualTo("openid profile email");
        assertThat(settings.toString()).doesNotContain("s3cret");
        assertThat(settings.saml()).isEmpty();
    }

    @Test
    void everyProblemNamesItsFileLineAndKey() {
        assertThatThrownBy(() -> ConfigLoader.parse(FILE, """
                identity:
                  people:
                    oidc:
                      issuer: http://idp.example.com/people
                      groups-claim: ""
                    saml:
                      idp-metadata: /nonexistent/idp.xml
                      idp-metadata-url: https://idp.example.com/metadata
                      entity-id: https://sluice.example/saml
                    ldap: {}
                console:
                  public-url: https://sluice.example/console
                  session-lifetime: 30d
                  colour: blue
                """, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("sluice.yaml:4: identity.people.oidc.issuer: the issuer must use https")
                .hasMessageContaining("identity.people.oidc: missing required key 'client-id'")
                .hasMessageContaining("identity.people.oidc.groups-claim: a value is required")
                .hasMessageContaining("identity.people.saml: exactly one of idp-metadata")
                .hasMessageContaining("sluice.yaml:10: identity.people.ldap: unknown key 'ldap'")
                .hasMessageContaining("sluice.yaml:12: console.public-url: the public URL is scheme, host and port")
                .hasMessageContaining("sluice.yaml:13: console.session-lifetime: expected a duration from 5m to 7d")
                .hasMessageContaining("sluice.yaml:14: console.colour: unknown key 'colour'");
    }

    @Test
    void noPeopleSectionMeansNoSignIn() {
        ConsoleSettings settings = bind("listen:\n  http: 127.0.0.1:8443\n", Map.of());
        assertThat(settings.signInConfigured()).isFalse();
        assertThat(settings.publicUrl()).isEmpty();
    }
}
