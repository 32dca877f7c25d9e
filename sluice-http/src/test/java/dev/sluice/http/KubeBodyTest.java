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

    @org.junit.jupiter.params.ParameterizedTest(name = "{1}: {0}")
    @org.junit.jupiter.params.provider.CsvSource(delimiterString = " => ", value = {
            "{\"spec\":{\"containers\":[{\"securityContext\":{\"capabilities\":{\"add\":[\"SYS_ADMIN\"]}}}]}} => "
                    + "capabilities",
            "{\"spec\":{\"containers\":[{\"securityContext\":{\"Capabilities\":{\"ADD\":[\"ALL\"]}}}]}} => "
                    + "capabilities",
            "{\"spec\":{\"containers\":[{\"securityContext\":{\"allowPrivilegeEscalation\":true}}]}} => escalation",
            "{\"spec\":{\"securityContext\":{\"runAsUser\":0}}} => root",
            "{\"spec\":{\"securityContext\":{\"runAsUser\":0.0}}} => root",
            "{\"spec\":{\"containers\":[{\"securityContext\":{\"runAsNonRoot\":false}}]}} => root",
            "{\"spec\":{\"containers\":[{\"securityContext\":{\"procMount\":\"Unmasked\"}}]}} => unconfined",
            "{\"spec\":{\"securityContext\":{\"seccompProfile\":{\"type\":\"Unconfined\"}}}} => unconfined",
            "{\"spec\":{\"securityContext\":{\"appArmorProfile\":{\"type\":\"Unconfined\"}}}} => unconfined",
            "{\"spec\":{\"securityContext\":{\"seLinuxOptions\":{\"type\":\"spc_t\"}}}} => unconfined",
            "{\"metadata\":{\"annotations\":{\"container.apparmor.security.beta.kubernetes.io/c\":\"unconfined\"}}}"
                    + " => unconfined",
            "{\"spec\":{\"volumes\":[{\"name\":\"v\",\"csi\":{\"driver\":\"x\"}}]}} => nodevolume",
            "{\"spec\":{\"volumes\":[{\"name\":\"v\",\"nfs\":{\"server\":\"n\",\"path\":\"/\"}}]}} => nodevolume",
            "{\"spec\":{\"volumes\":[{\"name\":\"v\",\"iscsi\":{}}]}} => nodevolume",
            "{\"spec\":{\"volumes\":[{\"name\":\"v\",\"gitRepo\":{\"repository\":\"x\"}}]}} => nodevolume",
            "{\"spec\":{\"volumes\":[{\"name\":\"v\",\"secret\":{\"secretName\":\"db\"}}]}} => secrets",
            "{\"spec\":{\"containers\":[{\"env\":[{\"name\":\"P\",\"valueFrom\":{\"secretKeyRef\":"
                    + "{\"name\":\"db\",\"key\":\"p\"}}}]}]}} => secrets",
            "{\"spec\":{\"containers\":[{\"envFrom\":[{\"secretRef\":{\"name\":\"db\"}}]}]}} => secrets",
            "{\"spec\":{\"volumes\":[{\"name\":\"t\",\"projected\":{\"sources\":[{\"serviceAccountToken\":"
                    + "{\"audience\":\"vault\",\"path\":\"t\"}}]}}]}} => serviceaccount",
            "{\"spec\":{\"serviceAccountName\":\"cluster-admin-sa\"}} => serviceaccount",
            "{\"spec\":{\"shareProcessNamespace\":true}} => shareprocessnamespace",
            "{\"spec\":{\"containers\":[{\"ports\":[{\"containerPort\":80,\"hostPort\":80}]}]}} => hostport",
            // the same in a CronJob's template, a strategic-merge patch and a JSON Patch
            "{\"kind\":\"CronJob\",\"spec\":{\"jobTemplate\":{\"spec\":{\"template\":{\"spec\":{\"containers\":"
                    + "[{\"securityContext\":{\"capabilities\":{\"add\":[\"NET_ADMIN\"]}}}]}}}}}} => capabilities",
            "[{\"op\":\"add\",\"path\":\"/spec/template/spec/containers/0/securityContext/capabilities/add/-\","
                    + "\"value\":\"SYS_ADMIN\"}] => capabilities",
            "[{\"op\":\"replace\",\"path\":\"/spec/template/spec/securityContext/runAsUser\",\"value\":1}] => root",
            "[{\"op\":\"add\",\"path\":\"/spec/template/spec/volumes/-\",\"value\":{\"name\":\"n\","
                    + "\"nfs\":{}}}] => nodevolume",
            "[{\"op\":\"add\",\"path\":\"/metadata/annotations/seccomp.security.alpha.kubernetes.io~1pod\","
                    + "\"value\":\"x\"}] => unconfined",
    })
    void aRiskySpecSettingIsAFindingInAPodATemplateOrAPatch(String body, String finding) {
        assertThat(inspect(body).findings()).contains(finding);
    }

    @Test
    void aJsonPatchCopyOrMoveWhosePathNamesNoSettingHasEveryFinding() {
        assertThat(inspect("[{\"op\":\"copy\",\"from\":\"/spec/initContainers/0/securityContext\","
                + "\"path\":\"/spec/containers/0/securityContext\"}]").findings()).isEqualTo(KubeBody.FINDINGS);
        assertThat(inspect("[{\"op\":\"move\",\"from\":\"/spec/initContainers/0\",\"path\":\"/spec/containers/0\"}]")
                .findings()).isEqualTo(KubeBody.FINDINGS);
    }

    @Test
    void anOrdinaryPodHasNoFinding() {
        assertThat(inspect("""
                {"kind":"Pod","spec":{"serviceAccountName":"default","securityContext":{"runAsUser":1000,
                 "runAsNonRoot":true,"seccompProfile":{"type":"RuntimeDefault"}},
                 "containers":[{"name":"c","image":"nginx","ports":[{"containerPort":80}],
                 "securityContext":{"allowPrivilegeEscalation":false,"capabilities":{"drop":["ALL"]}},
                 "volumeMounts":[{"name":"cfg","mountPath":"/etc/secret"}]}],
                 "volumes":[{"name":"cfg","configMap":{"name":"cfg"}},{"name":"tmp","emptyDir":{}}]}}
                """).findings()).isEmpty();
    }
}
