package dev.sluice.core.approval;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.sluice.core.audit.AuditText;

class HeldPreviewTest {
    private static final String JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZGEifQ.c2lnbmF0dXJlLWhlcmUtMTIzNDU2";

    @Test
    void theCoresMaskReachesEveryShownValueHeaderNameAndTheBodyAndTheBodyIsCutAfterMasking() {
        HeldPreview preview = new HeldPreview("application/json", List.of(new HeldPreview.Field("User-Agent",
                "agent " + JWT)), List.of("X-Leak-Name"), "{\"memo\":\"" + JWT + "\"}" + "x".repeat(70_000), 70_020,
                false, "ab".repeat(32), "");
        HeldPreview masked = preview.masked(s -> AuditText.secretsMasked(s).replace("Leak", "****"));
        assertThat(masked.toString()).doesNotContain(JWT, "Leak");
        assertThat(masked.hiddenHeaders()).containsExactly("X-****-Name");
        assertThat(masked.headers().getFirst().value()).startsWith("agent ");
        assertThat(masked.body()).hasSize(HeldPreview.MAX_BODY_CHARS).startsWith("{\"memo\":\"");
        assertThat(masked.cut()).isTrue();
        assertThat(masked.bodySha256()).isEqualTo(preview.bodySha256());
        assertThat(HeldPreview.fromMap(masked.toMap())).isEqualTo(masked);
    }

    @Test
    void noPreviewStaysNoneAndReadsBackAsNone() {
        assertThat(HeldPreview.none().masked(s -> "changed")).isEqualTo(HeldPreview.none());
        assertThat(HeldPreview.fromMap(java.util.Map.of())).isEqualTo(HeldPreview.none());
        assertThat(HeldPreview.none().isEmpty()).isTrue();
    }
}
