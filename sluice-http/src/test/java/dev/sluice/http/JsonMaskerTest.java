package dev.sluice.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.sluice.core.config.ConfigNode;
import dev.sluice.core.config.SecretResolver;
import dev.sluice.core.masking.MaskingKeys;
import dev.sluice.core.masking.MaskingPlan;
import dev.sluice.core.masking.MaskingRules;

class JsonMaskerTest {
    private static final String SECRET = "{\"kind\":\"Secret\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"db\","
            + "\"annotations\":{\"kubectl.kubernetes.io/last-applied-configuration\":\"{\\\"data\\\":{\\\"pw\\\":"
            + "\\\"aHVudGVyMg==\\\"}}\"}},\"data\":{\"pw\":\"aHVudGVyMg==\",\"n\":{\"deep\":\"aHVudGVyMg==\"}},"
            + "\"stringData\":{\"pw\":\"hunter2\"},\"type\":\"Opaque\"}";

    private static String mask(String json, MaskingPlan plan, String table, boolean secrets) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new JsonMasker(plan, table, secrets).mask(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), out);
        return out.toString(StandardCharsets.UTF_8);
    }

    private static MaskingPlan plan(String yaml) {
        ConfigNode root = ConfigNode.parse(Path.of("/tmp/sluice.yaml"), yaml);
        return MaskingRules.parse(root.at("masking"), MaskingKeys.ephemeral(), new SecretResolver(Map.of()))
                .plan("c", java.util.Set.of("agents"));
    }

    @Test
    void secretValuesAreMaskedInObjectsListsTablesAndWatchEvents() throws IOException {
        String single = mask(SECRET, MaskingPlan.empty(), "secrets", true);
        assertThat(single).doesNotContain("aHVudGVyMg==").doesNotContain("hunter2")
                .contains("\"pw\":\"KioqKioqKio=\"").contains("\"name\":\"db\"").contains("\"type\":\"Opaque\"");
        String list = "{\"kind\":\"SecretList\",\"items\":[" + SECRET.replace("\"kind\":\"Secret\",", "") + "]}";
        assertThat(mask(list, MaskingPlan.empty(), "secrets", true)).doesNotContain("aHVudGVyMg==");
        String table = "{\"kind\":\"Table\",\"columnDefinitions\":[],\"rows\":[{\"cells\":[\"db\",\"Opaque\",1],"
                + "\"object\":" + SECRET + "}]}";
        assertThat(mask(table, MaskingPlan.empty(), "secrets", true)).doesNotContain("aHVudGVyMg==")
                .contains("[\"db\",\"Opaque\",1]");
        String watch = "{\"type\":\"ADDED\",\"object\":" + SECRET + "}\n{\"type\":\"BOOKMARK\",\"object\":"
                + "{\"kind\":\"Secret\",\"metadata\":{\"resourceVersion\":\"5\"},\"data\":{\"x\":\"c2VjcmV0\"}}}\n";
        String masked = mask(watch, MaskingPlan.empty(), "secrets", true);
        assertThat(masked).doesNotContain("aHVudGVyMg==").doesNotContain("c2VjcmV0");
        assertThat(masked.lines()).hasSize(2);
    }

    @Test
    void theLastAppliedCopyOfAnObjectIsMaskedByTheSameFieldRulesAndAnUnreadableCopyIsHiddenWhole()
            throws IOException {
        MaskingPlan plan = plan("""
                masking:
                  - name: env
                    connections: [c]
                    columns: {"pods.value": redact}
                """);
        String copy = "{\\\"spec\\\":{\\\"containers\\\":[{\\\"env\\\":[{\\\"name\\\":\\\"PW\\\","
                + "\\\"value\\\":\\\"hunter2\\\"}]}]}}\\n";
        String pod = "{\"kind\":\"Pod\",\"metadata\":{\"name\":\"web\",\"annotations\":{\"" + JsonMasker.LAST_APPLIED
                + "\":\"" + copy + "\"}},\"spec\":{\"containers\":[{\"env\":[{\"name\":\"PW\",\"value\":\"hunter2\"}]}]}}";
        String masked = mask(pod, plan, "pods", false);
        assertThat(masked).doesNotContain("hunter2").contains("\"name\":\"web\"").contains("\\\"name\\\":\\\"PW\\\"");
        String broken = pod.replace(copy, "{not json");
        assertThat(mask(broken, plan, "pods", false)).contains("\"" + JsonMasker.LAST_APPLIED + "\":\"********\"");
        // without field rules the copy is read by the detectors only, as any other string
        assertThat(mask(pod, MaskingPlan.empty(), "pods", false)).contains("hunter2");
    }

    @Test
    void anObjectOfKindSecretIsMaskedWhateverTheUrlSaid() throws IOException {
        String masked = mask("{\"kind\":\"List\",\"items\":[" + SECRET + "]}", MaskingPlan.empty(), "pods", false);
        assertThat(masked).doesNotContain("aHVudGVyMg==").doesNotContain("hunter2");
        // A ConfigMap's data is not a Secret's: untouched without rules.
        String configMap = "{\"kind\":\"ConfigMap\",\"data\":{\"k\":\"v\"}}";
        assertThat(mask(configMap, MaskingPlan.empty(), "configmaps", false)).isEqualTo(configMap);
    }

    @Test
    void detectorsAndKeyRulesMaskOtherResources() throws IOException {
        MaskingPlan plan = plan("""
                masking:
                  - name: pii
                    detectors: [email]
                    columns:
                      "pods.value": redact
                      "configmaps.data": redact
                """);
        String pod = "{\"kind\":\"Pod\",\"spec\":{\"containers\":[{\"env\":[{\"name\":\"DB\",\"value\":\"s3cret\"}],"
                + "\"image\":\"x\"}]},\"metadata\":{\"annotations\":{\"owner\":\"ada@example.com\"}},\"n\":5}";
        String masked = mask(pod, plan, "pods", false);
        assertThat(masked).doesNotContain("s3cret").doesNotContain("ada@example.com").contains("\"n\":5")
                .contains("\"image\":\"x\"");
        assertThat(mask("{\"data\":{\"a\":\"1\",\"b\":{\"c\":2}}}", plan, "configmaps", false))
                .doesNotContain("\"1\"").doesNotContain(":2");
    }

    @Test
    void malformedJsonFailsInsteadOfPassingThrough() {
        assertThatThrownBy(() -> mask("{\"data\": {\"a\": \"x\"", MaskingPlan.empty(), "secrets", true))
                .isInstanceOf(IOException.class);
    }
}
