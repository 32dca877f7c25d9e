package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.sluice.core.audit.AuditQuery;
import dev.sluice.core.audit.AuditRecord;
import dev.sluice.testing.Cli;

/**
 * curl through Sluice's HTTPS proxy to a real HTTP service (the JDK's HttpServer): the caller's OIDC token is
 * verified and never reaches the service, the configured credential is injected, paths are judged, JSON and text
 * responses are masked, and every request is audited with its status.
 */
class HttpProxyE2ETest {
    private static HttpUpstream upstream;
    private static ProxyHarness sluice;

    @BeforeAll
    static void start() throws IOException {
        upstream = HttpUpstream.start();
        Path secret = Files.createTempFile("billing-token", "");
        Files.writeString(secret, "svc-credential-123\n");
        sluice = ProxyHarness.start(oidc -> """
                connections:
                  - name: billing
                    type: http
                    address: %s
                    headers:
                      Authorization: "Bearer ${file:%s}"
                    allow: {groups: [agents]}
                policies:
                  - name: no-admin
                    connections: [billing]
                    groups: [agents]
                    deny:
                      paths: ["/admin/**", "/admin"]
                masking:
                  - name: pii
                    connections: [billing]
                    detectors: [email, card]
                """.formatted(upstream.url(), secret));
    }

    @AfterAll
    static void stop() {
        sluice.close();
        upstream.close();
    }

    @Test
    void curlReachesTheServiceWithTheInjectedCredentialAndMaskedJson() {
        upstream.forget();
        String token = sluice.token("agent-7", "agents");
        Cli.Result result = sluice.curl("-H", "Authorization: Bearer " + token,
                sluice.url() + "/http/billing/v1/invoices");
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stdout()).contains("\"amount\":5").contains("\"note\":\"ok\"")
                .doesNotContain("ada@example.com").doesNotContain("4242 4242 4242 4242");
        List<HttpUpstream.Seen> seen = upstream.requests();
        assertThat(seen).hasSize(1);
        assertThat(seen.getFirst().uri()).isEqualTo("/v1/invoices");
        assertThat(seen.getFirst().header("Authorization")).isEqualTo("Bearer svc-credential-123");
        assertThat(seen.getFirst().headers().toString()).doesNotContain(token);
        List<AuditRecord> trail = sluice.audit(AuditQuery.all().withSubject("agent-7"));
        assertThat(trail).anySatisfy(r -> {
            assertThat(r.kind()).isEqualTo("statement");
            assertThat(r.statement()).isEqualTo("GET /v1/invoices");
            assertThat(r.verdict()).isEqualTo("allow");
        });
        assertThat(trail).anySatisfy(r -> assertThat(r.kind()).isEqualTo("statement.result"));
        assertThat(trail.toString()).doesNotContain(token).doesNotContain("svc-credential-123");
    }

    @Test
    void aDeniedPathIsRefusedWithJsonAndNeverReachesTheService() {
        upstream.forget();
        Cli.Result result = sluice.curl("-w", "\n%{http_code}", "-H", "Authorization: Bearer "
                + sluice.token("agent-8", "agents"), sluice.url() + "/http/billing/admin/users");
        assertThat(result.stdout()).contains("denied by Sluice policy rule \\\"no-admin\\\"").endsWith("403");
        assertThat(upstream.requests()).isEmpty();
        assertThat(sluice.audit(AuditQuery.all().withSubject("agent-8"))).anySatisfy(r -> {
            assertThat(r.statement()).isEqualTo("GET /admin/users");
            assertThat(r.verdict()).isEqualTo("deny");
        });
    }

    @Test
    void badTokensAndOtherGroupsAreRefused() {
        upstream.forget();
        assertThat(sluice.curl("-w", "\n%{http_code}", sluice.url() + "/http/billing/v1/invoices").stdout())
                .endsWith("401");
        assertThat(sluice.curl("-w", "\n%{http_code}", "-H", "Authorization: Bearer not-a-jwt",
                sluice.url() + "/http/billing/v1/invoices").stdout()).endsWith("401");
        assertThat(sluice.curl("-w", "\n%{http_code}", "-H", "Authorization: Bearer "
                + sluice.token("outsider", "visitors"), sluice.url() + "/http/billing/v1/invoices").stdout())
                .endsWith("403");
        assertThat(upstream.requests()).isEmpty();
    }
}
