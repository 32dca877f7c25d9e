package dev.sluice.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sluice.core.Secret;

class SecretResolverTest {
    final SecretResolver resolver = new SecretResolver(Map.of("PW", "env-secret", "USER_SUFFIX", "42"));

    @Test
    void resolvesAWholeValueEnvironmentReference() {
        assertThat(resolver.resolve("${env:PW}", Path.of("/")).reveal()).isEqualTo("env-secret");
    }

    @Test
    void resolvesEmbeddedReferencesAndTheEscape() {
        assertThat(resolver.resolve("a-${env:PW}-${env:USER_SUFFIX}-$${env:PW}", Path.of("/")).reveal())
                .isEqualTo("a-env-secret-42-${env:PW}");
    }

    @Test
    void keepsAValueWithoutReferencesAsIs() {
        assertThat(resolver.resolve("plain $ value }", Path.of("/")).reveal()).isEqualTo("plain $ value }");
        assertThat(resolver.resolve("", Path.of("/")).isEmpty()).isTrue();
    }

    @Test
    void readsAFileRelativeToTheBaseDirectoryWithoutItsTrailingNewline(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("pw.txt"), "file-secret\n");
        Files.writeString(dir.resolve("crlf.txt"), "crlf-secret\r\n");
        Files.writeString(dir.resolve("two.txt"), "two\n\n");

        assertThat(resolver.resolve("${file:pw.txt}", dir).reveal()).isEqualTo("file-secret");
        assertThat(resolver.resolve("${file:" + dir.resolve("crlf.txt") + "}", Path.of("/")).reveal())
                .isEqualTo("crlf-secret");
        assertThat(resolver.resolve("${file:two.txt}", dir).reveal()).isEqualTo("two\n");
    }

    @Test
    void namesAMissingVariableAndAMissingFileTogether(@TempDir Path dir) {
        assertThatThrownBy(() -> resolver.resolve("${env:NOPE}:${file:gone.pw}", dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("environment variable NOPE is not set; secret file " + dir.resolve("gone.pw")
                        + " does not exist");
    }

    @Test
    void refusesAnUnknownOrMalformedReferenceWithoutQuotingTheValue() {
        assertThatThrownBy(() -> resolver.resolve("top${vault:secret/x}secret", Path.of("/")))
                .hasMessage("unsupported secret reference (expected ${env:NAME} or ${file:PATH}; "
                        + "write $${ for a literal ${)")
                .message().doesNotContain("top").doesNotContain("vault");
        assertThatThrownBy(() -> resolver.resolve("${env:BAD-NAME}", Path.of("/")))
                .hasMessageStartingWith("invalid environment variable name in secret reference");
        assertThatThrownBy(() -> resolver.resolve("${file:}", Path.of("/")))
                .hasMessageStartingWith("unsupported secret reference");
    }

    @Test
    void refusesADirectoryAndAnOversizedFile(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve("big"), new byte[SecretResolver.MAX_FILE_BYTES + 1]);

        assertThatThrownBy(() -> resolver.resolve("${file:big}", dir))
                .hasMessage("secret file " + dir.resolve("big") + " is larger than 65536 bytes");
        assertThatThrownBy(() -> resolver.resolve("${file:.}", dir))
                .hasMessage("secret file " + dir + " is not a regular file");
    }

    @Test
    void recordsProblemsAtTheNodeAndReturnsAnEmptySecret() {
        ConfigNode root = ConfigNode.parse(Path.of("s.yaml"), "a: ${env:NOPE}\nb: [x]\nc: ${env:PW}\n");
        ConfigProblems problems = new ConfigProblems();

        Secret missing = resolver.resolve(root.at("a"), problems);
        Secret notScalar = resolver.resolve(root.at("b"), problems);
        Secret found = resolver.resolve(root.at("c"), problems);
        Secret absent = resolver.resolve(root.at("d"), problems);

        assertThat(missing.isEmpty()).isTrue();
        assertThat(notScalar.isEmpty()).isTrue();
        assertThat(found.reveal()).isEqualTo("env-secret");
        assertThat(absent.isEmpty()).isTrue();
        assertThat(problems.list()).extracting(ConfigProblem::toString).containsExactly(
                "s.yaml:1: a: environment variable NOPE is not set",
                "s.yaml:2: b: expected a string, got a list");
    }
}
