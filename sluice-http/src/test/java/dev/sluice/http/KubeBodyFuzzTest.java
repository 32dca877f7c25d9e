package dev.sluice.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Jazzer fuzz target for {@link KubeBody#inspect}, which reads every Kubernetes request body before it is judged.
 * The contract: it never throws, whatever the bytes; its findings are among {@link KubeBody#FINDINGS}; and a body it
 * cannot read as JSON has every finding (fail closed).
 */
class KubeBodyFuzzTest {

    @FuzzTest(maxDuration = "10s")
    void inspect(byte[] data) {
        KubeBody result = KubeBody.inspect(data);

        assertThat(KubeBody.FINDINGS).containsAll(result.findings());
        if (data.length > 0 && !readableJson(data)) {
            assertThat(result.findings()).isEqualTo(KubeBody.FINDINGS);
        }
    }

    private static boolean readableJson(byte[] data) {
        try (var parser = new com.fasterxml.jackson.core.JsonFactory().createParser(data)) {
            while (parser.nextToken() != null) {
                // read to the end
            }
            return true;
        } catch (java.io.IOException | RuntimeException e) {
            return false;
        }
    }
}
