package dev.sluice.core.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import no.nav.security.mock.oauth2.MockOAuth2Server;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sluice.core.SluiceException;

class DevIssuerTest {

    @TempDir
    Path dataDir;

    private final MutableClock clock = MutableClock.atNow();

    @Test
    void mintedHumanTokenVerifies() {
        DevIssuer issuer = DevIssuer.open(dataDir, clock);

        Principal principal = issuer.verifier().verify(issuer.mint("alice", Set.of("dba", "oncall"),
                Duration.ofHours(1)));

        assertThat(principal.issuer()).isEqualTo("urn:sluice:dev");
        assertThat(principal.subject()).isEqualTo("alice");
        assertThat(principal.displayName()).isEqualTo("alice");
        assertThat(principal.groups()).containsExactlyInAnyOrder("dba", "oncall");
        assertThat(principal.kind()).isEqualTo(Principal.Kind.HUMAN);
        assertThat(principal.actors()).isEmpty();
    }

    @Test
    void mintedMachineTokenIsMachine() {
        DevIssuer issuer = DevIssuer.open(dataDir, clock);

        Principal principal = issuer.verifier().verify(issuer.mintMachine("ci-bot", Set.of(), Duration.ofMinutes(5)));

        assertThat(principal.kind()).isEqualTo(Principal.Kind.MACHINE);
        assertThat(principal.subject()).isEqualTo("ci-bot");
        assertThat(principal.groups()).isEmpty();
    }

    @Test
    void mintedDelegatedTokenCarriesActor() {
        DevIssuer issuer = DevIssuer.open(dataDir, clock);

        Principal principal = issuer.verifier().verify(issuer.mintDelegated("alice", Set.of("dba"), "agent-7",
                Duration.ofMinutes(5)));

        assertThat(principal.subject()).isEqualTo("alice");
        assertThat(principal.kind()).isEqualTo(Principal.Kind.HUMAN);
        assertThat(principal.actors()).containsExactly(new Principal.Actor("agent-7", ""));
    }

    @Test
    void createsKeyFileReadableOnlyByOwnerAndReusesIt() throws Exception {
        String token = DevIssuer.open(dataDir, clock).mint("alice", Set.of(), Duration.ofMinutes(5));
        Path keyFile = dataDir.resolve("keys/dev-issuer.jwk");

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile))).isEqualTo("rw-------");
        assertThat(DevIssuer.open(dataDir, clock).verifier().verify(token).subject()).isEqualTo("alice");
    }

    @Test
    void refusesKeyFileReadableByOthers() throws Exception {
        DevIssuer.open(dataDir, clock);
        Path keyFile = dataDir.resolve("keys/dev-issuer.jwk");
        Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-r--r--"));

        assertThatThrownBy(() -> DevIssuer.open(dataDir, clock)).isInstanceOf(SluiceException.class)
                .hasMessageContaining("chmod 600");
    }

    @Test
    void refusesKeyFileThatIsNotAPrivateKeyWithoutEchoingIt() throws Exception {
        Path keyFile = dataDir.resolve("keys/dev-issuer.jwk");
        Files.createDirectories(keyFile.getParent());
        Files.writeString(keyFile, "{\"kty\":\"oct\",\"k\":\"c2VjcmV0LXZhbHVl\"}");
        Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-------"));

        assertThatThrownBy(() -> DevIssuer.open(dataDir, clock)).isInstanceOf(SluiceException.class)
                .hasMessageContaining("not an EC P-256 private key").hasMessageNotContaining("c2VjcmV0");
    }

    @Test
    void rejectsExpiredDevToken() {
        DevIssuer issuer = DevIssuer.open(dataDir, clock);
        String token = issuer.mint("alice", Set.of(), Duration.ofMinutes(1));
        clock.advance(Duration.ofMinutes(3));

        assertThatThrownBy(() -> issuer.verifier().verify(token)).hasMessage("token expired");
    }

    @Test
    void rejectsTokenOfAnotherDevIssuerKey(@TempDir Path otherDataDir) {
        String foreign = DevIssuer.open(otherDataDir, clock).mint("mallory", Set.of(), Duration.ofMinutes(5));

        assertThatThrownBy(() -> DevIssuer.open(dataDir, clock).verifier().verify(foreign))
                .isInstanceOf(InvalidTokenException.class).hasMessage("unknown signing key");
    }

    @Test
    void refusesInvalidMintArguments() {
        DevIssuer issuer = DevIssuer.open(dataDir, clock);

        assertThatThrownBy(() -> issuer.mint(" ", Set.of(), Duration.ofMinutes(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> issuer.mint("alice", Set.of(), Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> issuer.mint("alice", Set.of(), DevIssuer.MAX_TTL.plusSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void devAndOidcVerifiersRefuseEachOthersTokens() {
        MockOAuth2Server server = new MockOAuth2Server();
        server.start();
        try {
            DevIssuer dev = DevIssuer.open(dataDir, clock);
            OidcTokenVerifier oidc = OidcTokenVerifier.create(List.of(new IssuerSettings(
                    server.issuerUrl("default").uri(), DevIssuer.AUDIENCE, "groups")), clock);
            String devToken = dev.mint("alice", Set.of("dba"), Duration.ofMinutes(5));
            String oidcToken = server.issueToken("default", "alice", DevIssuer.AUDIENCE, Map.of()).serialize();
            assertThat(oidc.verify(oidcToken).subject()).isEqualTo("alice");

            assertThatThrownBy(() -> oidc.verify(devToken)).hasMessage("untrusted issuer");
            assertThatThrownBy(() -> dev.verifier().verify(oidcToken)).hasMessage("untrusted issuer");
        } finally {
            server.shutdown();
        }
    }

    @Test
    void oidcVerifierCannotBeConfiguredForTheDevIssuer() {
        assertThatThrownBy(() -> OidcTokenVerifier.create(List.of(new IssuerSettings(URI.create("urn:sluice:dev"),
                "sluice", "groups")), clock)).isInstanceOf(IssuerSettingsException.class);
    }
}
