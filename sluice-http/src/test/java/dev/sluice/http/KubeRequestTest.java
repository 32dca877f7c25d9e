package dev.sluice.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;

import org.junit.jupiter.api.Test;

class KubeRequestTest {

    private static KubeRequest parse(String method, String target) {
        return parse(method, target, Optional.empty());
    }

    private static KubeRequest parse(String method, String target, Optional<String> contentType) {
        RequestTarget t = RequestTarget.parse(target);
        return KubeRequest.parse(method, t.segments(), QueryString.parse(t.query()), contentType);
    }

    @Test
    void verbsResourcesAndNamespacesAreReadAsTheApiServerReadsThem() {
        assertThat(parse("GET", "/api/v1/namespaces/prod/pods")).isEqualTo(
                new KubeRequest("list", "", "v1", "pods", "", "prod", "", "/api/v1/namespaces/prod/pods", false));
        assertThat(parse("GET", "/api/v1/namespaces/prod/pods?watch=1").verb()).isEqualTo("watch");
        assertThat(parse("GET", "/api/v1/namespaces/prod/pods?watch=false").verb()).isEqualTo("list");
        assertThat(parse("GET", "/api/v1/watch/namespaces/prod/pods").verb()).isEqualTo("watch");
        assertThat(parse("GET", "/api/v1/namespaces/prod/secrets/db").verb()).isEqualTo("get");
        assertThat(parse("DELETE", "/api/v1/namespaces/prod/pods").verb()).isEqualTo("deletecollection");
        assertThat(parse("DELETE", "/api/v1/namespaces/prod")).satisfies(r -> {
            assertThat(r.verb()).isEqualTo("delete");
            assertThat(r.resource()).isEqualTo("namespaces");
            assertThat(r.name()).isEqualTo("prod");
        });
        assertThat(parse("PUT", "/api/v1/namespaces/prod/finalize").subresource()).isEqualTo("finalize");
        assertThat(parse("POST", "/apis/apps/v1/namespaces/prod/deployments")).satisfies(r -> {
            assertThat(r.verb()).isEqualTo("create");
            assertThat(r.group()).isEqualTo("apps");
        });
        assertThat(parse("GET", "/api/v1/namespaces/prod/secrets?fieldSelector=metadata.name%3Ddb").name())
                .isEqualTo("db");
        assertThat(parse("GET", "/version").verb()).isEqualTo("get");
        assertThat(parse("GET", "/apis/apps/v1").resource()).isEmpty();
    }

    @Test
    void execLikeSubresourcesGetTheirOwnVerbs() {
        assertThat(parse("POST", "/api/v1/namespaces/p/pods/web/exec?command=sh").verb()).isEqualTo("exec");
        assertThat(parse("GET", "/api/v1/namespaces/p/pods/web/exec?command=sh").verb()).isEqualTo("exec");
        assertThat(parse("POST", "/api/v1/namespaces/p/pods/web/attach").verb()).isEqualTo("attach");
        assertThat(parse("POST", "/api/v1/namespaces/p/pods/web/portforward").verb()).isEqualTo("portforward");
        assertThat(parse("GET", "/api/v1/nodes/n1/proxy/metrics").verb()).isEqualTo("proxy");
        assertThat(parse("GET", "/api/v1/namespaces/p/services/s:80/proxy/x").verb()).isEqualTo("proxy");
        assertThat(parse("GET", "/api/v1/proxy/namespaces/p/pods/web").qualifiedResource()).isEqualTo("pods/proxy");
        assertThat(parse("GET", "/api/v1/namespaces/p/pods/web/log?follow=true").verb()).isEqualTo("logs");
        assertThat(parse("PATCH", "/api/v1/namespaces/p/pods/web/ephemeralcontainers")).satisfies(r -> {
            assertThat(r.verb()).isEqualTo("patch");
            assertThat(r.qualifiedResource()).isEqualTo("pods/ephemeralcontainers");
        });
        assertThat(parse("POST", "/api/v1/namespaces/p/serviceaccounts/sa/token").qualifiedResource())
                .isEqualTo("serviceaccounts/token");
    }

    @Test
    void caseVariantsAreRefusedAndApplyPatchesMayCreate() {
        assertThatThrownBy(() -> parse("GET", "/api/v1/namespaces/p/Secrets")).hasMessageContaining("upper-case");
        assertThatThrownBy(() -> parse("GET", "/api/V1/pods")).hasMessageContaining("upper-case");
        assertThatThrownBy(() -> parse("GET", "/api/v1/namespaces/p/pods/web/Exec"))
                .hasMessageContaining("upper-case");
        assertThat(parse("PATCH", "/api/v1/namespaces/p/secrets/s?fieldManager=kubectl",
                Optional.of("application/apply-patch+yaml")).alsoCreate()).isTrue();
        assertThat(parse("PATCH", "/api/v1/namespaces/p/secrets/s",
                Optional.of("application/merge-patch+json")).alsoCreate()).isFalse();
        assertThatThrownBy(() -> parse("CONNECT", "/api/v1/pods")).hasMessageContaining("not a Kubernetes API verb");
        assertThatThrownBy(() -> QueryString.parse("watch=1;x=2")).hasMessageContaining("';'");
    }
}
