package dev.sluice.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.sluice.core.Secret;

class SshConfigTest {
    static final Path FILE = Path.of("/etc/sluice/sluice.yaml");
    static final String KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKq4ex1Fuy+3Ag4pkQhAZ5MO38oOKpIa6+mBNpKDZg3d host";

    @Test
    void anSshConnectionBindsItsTargetAndIdentitiesBindKeysAndCas() {
        SluiceConfig config = ConfigLoader.parse(FILE, """
                listen:
                  ssh: 127.0.0.1:2222
                identity:
                  ssh:
                    trusted-user-ca-keys: ["%s"]
                    ca-groups: [sre]
                    keys:
                      - subject: agent-7
                        groups: [agents]
                        key: "%s"
                connections:
                  - name: web-1
                    type: ssh
                    address: 10.0.0.5:22
                    user: deploy
                    users: [www]
                    password: ${env:WEB_PW}
                    host-key: "%s"
                    allow:
                      groups: [sre]
                """.formatted(KEY, KEY, KEY), Map.of("WEB_PW", "s3cret"));

        assertThat(config.listen().protocol("ssh")).contains(new HostPort("127.0.0.1", 2222));
        SshTarget target = (SshTarget) config.connection("web-1").orElseThrow().target();
        assertThat(target.user()).isEqualTo("deploy");
        assertThat(target.allowsLogin("www")).isTrue();
        assertThat(target.allowsLogin("root")).isFalse();
        assertThat(target.credential()).isEqualTo(new SshTarget.Credential.Password(Secret.of("s3cret")));
        assertThat(target.toString()).doesNotContain("s3cret");
        assertThat(config.identity().ssh().keys()).singleElement().satisfies(k -> {
            assertThat(k.subject()).isEqualTo("agent-7");
            assertThat(k.groups()).containsExactly("agents");
        });
        assertThat(config.identity().ssh().trustedUserCaKeys()).containsExactly(KEY);
        assertThat(config.identity().ssh().caGroups()).containsExactly("sre");
    }

    @Test
    void everySshProblemNamesFileLineAndKey() {
        List<String> problems = ConfigValidationTest.problems("""
                identity:
                  ssh:
                    trusted-user-ca-keys: [/nonexistent/ca.pub]
                    keys:
                      - subject: "bad subject"
                        key: "not a key"
                connections:
                  - name: web-1
                    type: ssh
                    address: 10.0.0.5:22
                    user: Root!
                    host-key: "whatever"
                    allow:
                      groups: [sre]
                  - name: web-2
                    type: ssh
                    address: 10.0.0.6:22
                    user: deploy
                    password: x
                    certificate-authority: true
                    host-key: "SHA256:8l2iB0yq0j8c3n0aZ2nH8Q2bYzXjv1t0q9m7c6b5a4Q"
                    database: nope
                """);

        assertThat(problems).anySatisfy(p -> assertThat(p).contains(":3: identity.ssh.trusted-user-ca-keys[0]: cannot "
                + "read the CA key file /nonexistent/ca.pub"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains(":5: identity.ssh.keys[0].subject: expected"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains(":6: identity.ssh.keys[0].key: expected an "
                + "OpenSSH public key line"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains(":11: connections[0].user: expected a login"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains(":12: connections[0].host-key: expected"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("connections[0]: missing the target credential"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("connections[1]: give exactly one of"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains(":22: connections[1].database: unknown key"));
    }

    @Test
    void theListenerOffersAesGcmOnlyUnlessSshCiphersListsMore() {
        SluiceConfig defaults = ConfigLoader.parse(FILE, "listen:\n  ssh: 127.0.0.1:2222\n", Map.of());
        SluiceConfig listed = ConfigLoader.parse(FILE, """
                listen:
                  ssh: 127.0.0.1:2222
                ssh:
                  ciphers: [aes128-gcm@openssh.com, aes128-ctr, aes128-ctr]
                """, Map.of());

        assertThat(SshListenerConfig.of(defaults).ciphers()).containsExactly("aes128-gcm@openssh.com",
                "aes256-gcm@openssh.com");
        assertThat(SshListenerConfig.of(listed).ciphers()).containsExactly("aes128-gcm@openssh.com", "aes128-ctr");
    }

    @Test
    void anUnknownOrEmptyCipherListIsAConfigErrorNamingFileLineAndKey() {
        List<String> unknown = ConfigValidationTest.problems("""
                ssh:
                  ciphers:
                    - aes128-ctr
                    - aes128-cbc
                    - chacha20-poly1305@openssh.com
                  cipher: [aes128-ctr]
                """);
        List<String> empty = ConfigValidationTest.problems("""
                ssh:
                  ciphers: []
                """);

        assertThat(unknown).anySatisfy(p -> assertThat(p).contains("sluice.yaml:4: ssh.ciphers[1]: unsupported "
                + "cipher 'aes128-cbc' (expected one of: aes128-gcm@openssh.com, aes256-gcm@openssh.com, aes128-ctr,"));
        assertThat(unknown).anySatisfy(p -> assertThat(p).contains(":5: ssh.ciphers[2]: unsupported cipher "
                + "'chacha20-poly1305@openssh.com'"));
        assertThat(unknown).anySatisfy(p -> assertThat(p).contains(":6: ssh.cipher: unknown key"));
        assertThat(unknown).noneSatisfy(p -> assertThat(p).contains("ssh.ciphers[0]"));
        assertThat(empty).singleElement().satisfies(p -> assertThat(p).contains(":2: ssh.ciphers: expected at "
                + "least one cipher"));
    }
}
