package dev.sluice.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.sluice.http.wire.HttpProtocolException;

class RequestTargetTest {

    @Test
    void pathTricksThatServersReadDifferentlyAreRefused() {
        for (String target : List.of("/k8s/c/api/v1/namespaces/x/secrets/../pods", "/k8s/c/api/v1/./pods",
                "/k8s/c/api/v1//pods", "/k8s/c/api/v1/namespaces/x/secrets%2Fs", "/k8s/c/api%2fv1/pods",
                "/k8s/c/api/v1/%2e%2e/pods", "/k8s/c/api/v1/%252e%252e/pods", "/k8s/c/api/v1/pods%00",
                "/k8s/c/api/v1/pods;x=1", "/k8s/c/api/v1/..;/secrets", "/k8s/c\\api", "/k8s/c/api/%zz",
                "http://evil/k8s/c/api", "*", "/k8s/c/api#frag", "/k8s/c/api/v1/pods%5c")) {
            assertThatThrownBy(() -> RequestTarget.parse(target)).as(target)
                    .isInstanceOfSatisfying(HttpProtocolException.class, e -> assertThat(e.status()).isEqualTo(400));
        }
    }

    @Test
    void ordinaryTargetsSplitIntoDecodedSegmentsAndTheRawPathAfterTheRoute() {
        RequestTarget target = RequestTarget.parse("/http/billing/v1/in%20voices/?a=1&b=%2F");
        assertThat(target.segments()).containsExactly("http", "billing", "v1", "in voices");
        assertThat(target.query()).isEqualTo("a=1&b=%2F");
        Route route = Route.resolve(target, "sluice:8443", Optional.empty());
        assertThat(route.connection()).isEqualTo("billing");
        assertThat(route.rawPath()).isEqualTo("/v1/in%20voices/");
        assertThat(route.upstreamTarget("/base")).isEqualTo("/base/v1/in%20voices/?a=1&b=%2F");
    }

    @Test
    void hostRoutingTakesTheConnectionFromTheHostOnlyUnderTheConfiguredSuffix() {
        RequestTarget target = RequestTarget.parse("/v1/invoices");
        assertThat(Route.resolve(target, "billing.sluice.example:8443", Optional.of("sluice.example")).connection())
                .isEqualTo("billing");
        assertThatThrownBy(() -> Route.resolve(target, "billing.evil.example", Optional.of("sluice.example")))
                .hasMessageContaining("no route");
        assertThatThrownBy(() -> Route.resolve(target, "a.billing.sluice.example", Optional.of("sluice.example")))
                .hasMessageContaining("no route");
        assertThatThrownBy(() -> Route.resolve(RequestTarget.parse("/k8s/pr%6Fd/api"), "x", Optional.empty()))
                .hasMessageContaining("percent-encoded");
    }
}
