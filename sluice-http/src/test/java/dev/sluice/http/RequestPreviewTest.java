package dev.sluice.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.sluice.core.approval.HeldPreview;
import dev.sluice.core.config.ConfigNode;
import dev.sluice.core.config.SecretResolver;
import dev.sluice.core.masking.MaskingKeys;
import dev.sluice.core.masking.MaskingPlan;
import dev.sluice.core.masking.MaskingRules;
import dev.sluice.http.wire.BodyFraming;
import dev.sluice.http.wire.Header;
import dev.sluice.http.wire.Headers;
import dev.sluice.http.wire.RequestHead;

class RequestPreviewTest {
    private static final String IBAN = "DE89370400440532013000";
    private static final MaskingPlan PII = plan("""
            masking:
              - name: pii
                connections: [billing]
                detectors: [email]
                columns: {"billing.iban": redact}
            """);
    private static final MaskingPlan DETECTORS_ONLY = plan("""
            masking:
              - name: pii
                connections: [billing]
                detectors: [email]
            """);

    private static MaskingPlan plan(String yaml) {
        ConfigNode root = ConfigNode.parse(Path.of("/tmp/sluice.yaml"), yaml);
        return MaskingRules.parse(root.at("masking"), MaskingKeys.ephemeral(), new SecretResolver(Map.of()))
                .plan("billing", Set.of());
    }

    private static RequestHead head(String... fields) {
        List<Header> headers = new java.util.ArrayList<>();
        for (int i = 0; i < fields.length; i += 2) {
            headers.add(new Header(fields[i], fields[i + 1]));
        }
        return new RequestHead("POST", "/http/billing/refunds", "HTTP/1.1", Headers.of(headers));
    }

    private static HeldPreview preview(RequestHead head, String body, MaskingPlan plan) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return RequestPreview.of(head, Forwarder.DROPPED_REQUEST, new BodyFraming.Fixed(bytes.length),
                Optional.of(bytes), plan, "billing", false, false);
    }

    @Test
    void aJsonBodyIsMaskedByFieldRulesAndDetectorsAndCredentialHeadersAreNeverShownOrNamed() {
        RequestHead head = head("Host", "sluice", "Authorization", "Bearer caller-token", "Content-Type",
                "application/json", "Cookie", "sid=abc", "X-Api-Key", "k-1", "Idempotency-Key", "idem-1");
        String body = "{\"iban\":\"" + IBAN + "\",\"nested\":{\"iban\":[\"" + IBAN + "\"]},\"to\":\"a@b.example\","
                + "\"amount\":5}";
        HeldPreview result = preview(head, body, PII);
        assertThat(result.body()).contains("\"amount\":5").doesNotContain(IBAN, "a@b.example");
        assertThat(result.contentType()).isEqualTo("application/json");
        assertThat(result.headers()).extracting(HeldPreview.Field::name)
                .containsExactly("Content-Type", "Idempotency-Key");
        assertThat(result.hiddenHeaders()).containsExactly("Cookie", "X-Api-Key");
        assertThat(result.toString()).doesNotContain("caller-token", "sid=abc", "k-1");
        assertThat(result.bodyBytes()).isEqualTo(body.length());
        assertThat(result.bodySha256()).isEqualTo(RetryKey.sha256(body));
        assertThat(result.note()).isEmpty();
    }

    @Test
    void aFormBodyIsShownDecodedFieldByFieldWithItsFieldRulesApplied() {
        HeldPreview result = preview(head("Content-Type", "application/x-www-form-urlencoded"),
                "amount=25&IBAN=" + IBAN + "&iban=" + IBAN + "&to=a%40b.example&memo=rent+march", PII);
        assertThat(result.body()).contains("amount=25\n", "memo=rent march\n")
                .doesNotContain(IBAN, "a@b.example");
    }

    @Test
    void whatCannotBeMaskedIsNotShownAndThePreviewSaysWhy() {
        // malformed JSON, an XML body under field rules, binary, an encoded body: never shown
        assertThat(preview(head("Content-Type", "application/json"), "{\"iban\":\"" + IBAN, PII))
                .satisfies(p -> assertThat(p.body()).isEmpty())
                .satisfies(p -> assertThat(p.note()).contains("not valid JSON"));
        assertThat(preview(head("Content-Type", "application/xml"), "<iban>" + IBAN + "</iban>", PII).body())
                .isEmpty();
        assertThat(preview(head("Content-Type", "application/octet-stream"), "\u0000\u0001" + IBAN, DETECTORS_ONLY)
                .note()).contains("binary");
        assertThat(preview(head("Content-Type", "application/json", "Content-Encoding", "gzip"), "{}", PII).note())
                .contains("encoded");
        // text with detectors only: the detectors cover it
        assertThat(preview(head("Content-Type", "text/plain"), "mail a@b.example", DETECTORS_ONLY).body())
                .isNotEmpty().doesNotContain("a@b.example");
    }

    @Test
    void aKubernetesSecretsBodyHasItsValuesMaskedAndANonJsonOneIsNotShown() {
        byte[] secret = "{\"kind\":\"Secret\",\"data\":{\"pw\":\"aHVudGVyMg==\"},\"stringData\":{\"x\":\"hunter2\"}}"
                .getBytes(StandardCharsets.UTF_8);
        HeldPreview json = RequestPreview.of(head("Content-Type", "application/json"), Forwarder.DROPPED_REQUEST,
                new BodyFraming.Fixed(secret.length), Optional.of(secret), MaskingPlan.empty(), "secrets", true, true);
        assertThat(json.body()).contains("\"kind\":\"Secret\"").doesNotContain("aHVudGVyMg==", "hunter2");
        byte[] yaml = "kind: Secret\nstringData:\n  x: hunter2\n".getBytes(StandardCharsets.UTF_8);
        HeldPreview applied = RequestPreview.of(head("Content-Type", "application/apply-patch+yaml"),
                Forwarder.DROPPED_REQUEST, new BodyFraming.Fixed(yaml.length), Optional.of(yaml), MaskingPlan.empty(),
                "secrets", true, true);
        assertThat(applied.body()).isEmpty();
        assertThat(applied.note()).contains("only as JSON");
    }

    @Test
    void aBodyNotReadBeforeTheJudgmentIsNamedBySizeAndNotShown() {
        HeldPreview result = RequestPreview.of(head("Content-Type", "application/json"), Forwarder.DROPPED_REQUEST,
                new BodyFraming.Fixed(10_000_000), Optional.empty(), PII, "billing", false, false);
        assertThat(result.body()).isEmpty();
        assertThat(result.bodyBytes()).isEqualTo(10_000_000);
        assertThat(result.bodySha256()).isEmpty();
        assertThat(result.note()).contains("sent after the decision");
    }

    @Test
    void aLongBodyIsCutAfterMaskingAndMarkedCut() {
        StringBuilder body = new StringBuilder("[");
        for (int i = 0; i < 20_000; i++) {
            body.append("{\"iban\":\"").append(IBAN).append("\"},");
        }
        body.append("{}]");
        HeldPreview result = preview(head("Content-Type", "application/json"), body.toString(), PII);
        assertThat(result.cut()).isTrue();
        assertThat(result.body()).doesNotContain(IBAN);
        HeldPreview shown = result.masked(s -> s);
        assertThat(shown.body()).hasSize(HeldPreview.MAX_BODY_CHARS);
        assertThat(shown.cut()).isTrue();
        assertThat(HeldPreview.fromMap(shown.toMap())).isEqualTo(shown);
    }
}
