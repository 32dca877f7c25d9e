package dev.sluice.core.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

/** What a caller can make the trail hold: bounded texts and parameters, masked caller strings. */
class AuditTextTest {
    private static final String JWT = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSIsImF1ZCI6InNsdWljZSJ9"
            + ".c2lnbmF0dXJlLW9mLXRoZS10b2tlbi10aGF0LW11c3Qtbm90LWJlLXN0b3JlZA";

    private static String sha256(String text) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(
                StandardCharsets.UTF_8)));
    }

    @Test
    void aShortTextIsKeptWhole() {
        String text = "DELETE FROM t WHERE id = 1";
        assertThat(AuditText.bounded(text, 1024)).isSameAs(text);
        String exactly = "é".repeat(512); // 1024 bytes
        assertThat(AuditText.bounded(exactly, 1024)).isSameAs(exactly);
    }

    @Test
    void aLongTextKeepsItsHeadLengthAndDigestCutAtACharacterBoundary() throws Exception {
        String text = "x" + "€".repeat(2000); // 1 + 6000 bytes; € is 3 bytes
        String bounded = AuditText.bounded(text, 1024);
        String head = bounded.substring(0, bounded.indexOf("…[cut:"));
        assertThat(head.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(1024).isGreaterThan(1020);
        assertThat(text).startsWith(head);
        assertThat(bounded).endsWith("…[cut: 6001 bytes, sha256 " + sha256(text) + "]");
        String emoji = "😀".repeat(1000); // surrogate pairs, 4 bytes each
        String cut = AuditText.bounded(emoji, 1025);
        assertThat(cut.substring(0, cut.indexOf("…"))).isEqualTo("😀".repeat(256));
    }

    @Test
    void parametersShareOneBudgetAndTheRestAreFolded() {
        List<String> values = List.of("a".repeat(600), "b".repeat(600), "c", "d", "e");
        List<String> recorded = AuditText.parameters(values, 1024);
        assertThat(recorded.get(0)).isEqualTo("a".repeat(600));
        assertThat(recorded.get(1)).startsWith("b".repeat(424)).contains("…[cut: 600 bytes, sha256 ");
        assertThat(recorded).last().isEqualTo("…[cut: 3 more parameters]");
        assertThat(recorded).hasSize(3);
        List<String> many = java.util.Collections.nCopies(65_535, "z".repeat(100));
        assertThat(AuditText.parameters(many, 1024)).hasSizeLessThan(20);
        assertThat(AuditText.parameters(List.of("1", "2"), 1024)).containsExactly("1", "2");
    }

    @Test
    void callerStringsHaveTheirSecretsMaskedAndAreBoundedIdempotently() {
        assertThat(AuditText.callerString(JWT)).doesNotContain("c2lnbmF0dXJl").contains("REDACTED");
        assertThat(AuditText.callerString("psql")).isEqualTo("psql");
        assertThat(AuditText.callerString("alice@example.com")).as("a user name is kept").isEqualTo(
                "alice@example.com");
        assertThat(AuditText.callerString("card 4111 1111 1111 1111")).doesNotContain("4111 1111 1111 1111");
        String longName = "n".repeat(10_000) + JWT;
        String once = AuditText.callerString(longName);
        assertThat(once).hasSizeLessThanOrEqualTo(AuditText.MAX_CALLER_CHARS).endsWith("…[cut: "
                + longName.length() + " characters]");
        assertThat(AuditText.callerString(once)).isEqualTo(once);
        String masked = AuditText.callerString(JWT);
        assertThat(AuditText.callerString(masked)).isEqualTo(masked);
    }

    @Test
    void theContextsConnectionNameIsACallerString() {
        AuditContext context = new AuditContext(new SessionId("s-1"), Optional.empty(), JWT, "127.0.0.1");
        assertThat(context.connection()).doesNotContain("c2lnbmF0dXJl");
        AuditEvent.AuthFailed failed = new AuditEvent.AuthFailed(java.time.Instant.EPOCH, context, "postgres", JWT,
                "malformed token");
        assertThat(failed.claimedUser()).doesNotContain("c2lnbmF0dXJl");
        AuditEvent.SessionStarted started = new AuditEvent.SessionStarted(java.time.Instant.EPOCH, context,
                "postgres", "agent", "app " + JWT);
        assertThat(started.applicationName()).startsWith("app ").doesNotContain("c2lnbmF0dXJl");
    }
}
