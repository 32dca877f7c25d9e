package dev.sluice.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.List;

import org.junit.jupiter.api.Test;

class SignInRulesTest {

    @Test
    void afterSignInTheBrowserLandsOnAConsolePathOnly() {
        assertThat(SignInRoutes.safeNext("/console/sessions/s-1?x=1#s-3")).isEqualTo("/console/sessions/s-1?x=1#s-3");
        for (String next : new String[] {null, "", "https://evil.example/", "//evil.example/console/",
            "/\\evil.example", "/console/\\\\evil", "/api/approvals", "/console/\r\nSet-Cookie: x=1",
            "/console/" + "a".repeat(600)}) {
            assertThat(SignInRoutes.safeNext(next)).as(String.valueOf(next)).isEqualTo("/console/");
        }
    }

    @Test
    void onlyTheConsolesOwnOriginMayChangeState() {
        URI own = URI.create("https://sluice.example:8443");
        assertThat(Guard.sameOrigin(null, own)).as("no Origin: not a cross-site browser request").isTrue();
        assertThat(Guard.sameOrigin("https://sluice.example:8443", own)).isTrue();
        assertThat(Guard.sameOrigin("https://SLUICE.example:8443", own)).isTrue();
        assertThat(Guard.sameOrigin("null", own)).isFalse();
        assertThat(Guard.sameOrigin("https://sluice.example", own)).isFalse();
        assertThat(Guard.sameOrigin("http://sluice.example:8443", own)).isFalse();
        assertThat(Guard.sameOrigin("https://sluice.example.evil:8443", own)).isFalse();
        assertThat(Guard.sameOrigin("https://sluice.example:8443 x", own)).isFalse();
        assertThat(Guard.sameOrigin("https://x.example", URI.create("https://x.example:443"))).isTrue();
    }

    @Test
    void groupsComeFromAListOrASeparatedStringAndAreBounded() {
        assertThat(OidcSignIn.groups(List.of("sre", " auditors ", "", 7))).containsExactly("sre", "auditors");
        assertThat(OidcSignIn.groups("sre, auditors  dba")).containsExactly("sre", "auditors", "dba");
        assertThat(OidcSignIn.groups(null)).isEmpty();
        assertThat(OidcSignIn.groups(java.util.Map.of("a", "b"))).isEmpty();
        assertThat(OidcSignIn.groups(java.util.stream.IntStream.range(0, 1000).mapToObj(i -> "g" + i).toList()))
                .hasSize(OidcSignIn.MAX_GROUPS);
    }

    @Test
    void htmlEscapingCoversEveryMetaCharacter() {
        assertThat(Pages.escape("<script>alert('x')</script>&\"")).isEqualTo(
                "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;");
    }
}
