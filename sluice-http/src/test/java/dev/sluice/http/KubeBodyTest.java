package dev.sluice.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class KubeBodyTest {

    private static KubeBody inspect(String body) {
        return KubeBody.inspect(body.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void everyEscapeSettingIsFoundWhereverItIsInTheDocument() {
        assertThat(inspect("""
                {"kind":"Deployment","spec":{"template":{"spec":{"hostNetwork":true,"hostPID":true,"hostIPC":true,
                 "volumes":[{"name":"r","hostPath":{"path":"/"}}],
                 "initContainers":[{"name":"i","securityContext":{"privileged":true}}]}}}}
                """).findings()).containsExactly("hostipc", "hostnetwork", "hostpath", "hostpid", "privileged");
    }

    @Test
    void aSettingThatIsFalseOrAbsentIsNoFindingButACaseVariantOrAnEscapedNameIs() {
        assertThat(inspect("{\"spec\":{\"hostNetwork\":false,\"containers\":[{\"securityContext\":"
                + "{\"privileged\":false}}]}}").findings()).isEmpty();
        assertThat(inspect("{\"metadata\":{\"annotations\":{\"privileged\":\"true\"}}}").findings()).isEmpty();
        assertThat(inspect("{\"spec\":{\"HOSTNETWORK\":true}}").findings()).containsExactly("hostnetwork");
        assertThat(inspect("{\"spec\":{\"host\\u0050ID\":true}}").findings()).containsExactly("hostpid");
        assertThat(inspect("{\"spec\":{\"hostNetwork\":false,\"hostNetwork\":true}}").findings())
                .containsExactly("hostnetwork");
    }

    @Test
    void aJsonPatchNamesTheSettingByItsPathWhateverItsValue() {
        assertThat(inspect("[{\"op\":\"replace\",\"path\":\"/spec/containers/0/securityContext/privileged\","
                + "\"value\":false}]").findings()).containsExactly("privileged");
        assertThat(inspect("[{\"op\":\"copy\",\"from\":\"/x\",\"path\":\"/spec/volumes/0/hostPath\"}]").findings())
                .containsExactly("hostpath");
        assertThat(inspect("[{\"op\":\"add\",\"path\":\"/spec/volumes/-\",\"value\":{\"hostPath\":{\"path\":\"/\"}}}]")
                .findings()).containsExactly("hostpath");
    }

    @Test
    void aBodySluiceCannotReadHasEveryFinding() {
        assertThat(inspect("spec:\n  hostNetwork: true\n").findings()).isEqualTo(KubeBody.FINDINGS);
        assertThat(inspect("{\"spec\":").findings()).isEqualTo(KubeBody.FINDINGS);
        assertThat(inspect("[".repeat(500) + "]".repeat(500)).findings()).isEqualTo(KubeBody.FINDINGS);
        assertThat(inspect("").findings()).isEmpty();
    }

    @Test
    void sluicesSecretMaskIsRecognisedInDataAndStringData() {
        assertThat(inspect("{\"data\":{\"password\":\"KioqKioqKio=\"}}").writesMask()).isTrue();
        assertThat(inspect("{\"stringData\":{\"password\":\"********\"}}").writesMask()).isTrue();
        assertThat(inspect("{\"data\":{\"password\":\"aHVudGVyMg==\"}}").writesMask()).isFalse();
    }

    @Test
    void aJsonPatchThatCopiesMovesOrTestsSecretDataReadsItAndOtherOperationsDoNot() {
        for (String patch : new String[] {
                "[{\"op\":\"copy\",\"from\":\"/data/password\",\"path\":\"/metadata/annotations/x\"}]",
                "[{\"path\":\"/metadata/annotations/x\",\"op\":\"move\",\"from\":\"/stringData\"}]",
                "[{\"op\":\"copy\",\"from\":\"\",\"path\":\"/metadata/annotations/x\"}]",
                "[{\"op\":\"copy\",\"From\":\"/Data/password\",\"path\":\"/metadata/annotations/x\"}]",
                "[{\"op\":\"add\",\"path\":\"/x\",\"value\":1},{\"op\":\"test\",\"path\":\"/data/p\","
                        + "\"value\":\"aA==\"}]",
                "[{\"op\":\"copy\",\"from\":\"/metadata/name\",\"from\":\"/data/p\",\"path\":\"/a\"}]",
                "not json"}) {
            assertThat(inspect(patch).readsSecretData()).as(patch).isTrue();
        }
        for (String body : new String[] {
                "[{\"op\":\"add\",\"path\":\"/data/new\",\"value\":\"aA==\"}]",
                "[{\"op\":\"copy\",\"from\":\"/metadata/labels/a\",\"path\":\"/metadata/labels/b\"}]",
                "[{\"op\":\"test\",\"path\":\"/metadata/name\",\"value\":\"db\"}]",
                "{\"stringData\":{\"from\":\"/data\",\"op\":\"test\",\"path\":\"/data\"}}"}) {
            assertThat(inspect(body).readsSecretData()).as(body).isFalse();
        }
    }
}
