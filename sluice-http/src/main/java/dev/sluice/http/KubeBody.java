package dev.sluice.http;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

/**
 * What a Kubernetes write's body holds that rules care about and the URL does not say: the pod-spec settings that
 * break out of a container or widen what it may do ({@link #FINDINGS}), and Sluice's own Secret mask written back.
 * Each finding is a pseudo-subresource a write is also judged as ({@code pods/privileged}, ...):
 * <ul>
 *   <li>{@code privileged}, {@code hostnetwork}, {@code hostpid}, {@code hostipc}, {@code shareprocessnamespace}:
 *       the member is {@code true};</li>
 *   <li>{@code hostpath}: a {@code hostPath} volume; {@code nodevolume}: a volume that reaches the node or storage
 *       outside the cluster's API ({@link #NODE_VOLUMES}: {@code csi}, {@code nfs}, {@code iscsi}, {@code gitRepo},
 *       ...);</li>
 *   <li>{@code capabilities}: {@code securityContext.capabilities.add} (any list, {@code SYS_ADMIN},
 *       {@code ALL}, ...); {@code escalation}: {@code allowPrivilegeEscalation: true};</li>
 *   <li>{@code root}: {@code runAsUser: 0}, {@code runAsGroup: 0} or {@code runAsNonRoot: false};</li>
 *   <li>{@code unconfined}: a string {@code Unconfined} or {@code Unmasked} anywhere (seccomp and AppArmor
 *       profiles, their legacy annotations, {@code procMount}), or the SELinux types {@code spc_t},
 *       {@code unconfined_t};</li>
 *   <li>{@code secrets}: a Secret mounted or read into the environment ({@code secret} volumes and projections,
 *       {@code secretKeyRef}, {@code secretRef}): a pod reads any Secret of its namespace, whoever may not;</li>
 *   <li>{@code serviceaccount}: a service account other than {@code default}, or a projected
 *       {@code serviceAccountToken} (any audience): the pod acts with that account's rights;</li>
 *   <li>{@code hostport}: a container port bound on the node.</li>
 * </ul>
 *
 * <p>Read the way that judges the most dangerous reading, for every resource (pods, the controllers that make pods,
 * ephemeral containers, custom resources embedding pod templates) and every body kind: a JSON object, a merge or
 * strategic-merge patch, an apply patch, or a JSON Patch, whose operations name a setting by any segment of their
 * {@code path} (whatever the value); a JSON Patch {@code copy} or {@code move} whose {@code path} names no setting
 * has every finding (its value is not in the body). A setting counts wherever it is in the document. A body that is
 * not JSON (YAML, protobuf, malformed) has every finding: Sluice cannot tell, so it judges the worst.
 *
 * <p>{@link #readsSecretData}: a JSON Patch operation that reads a value rather than writing one it carries: a
 * {@code copy} or {@code move} whose {@code from} is the document, {@code /data} or {@code /stringData} (or below),
 * or a {@code test} of those. On a Secret it would carry the value out of the members Sluice masks (into an
 * annotation, shown by the answer and every later read) or confirm a guess of it. Meaningful for a JSON Patch
 * body only; true for a body Sluice cannot read (fail closed). Stateless.
 */
record KubeBody(Set<String> findings, boolean writesMask, boolean readsSecretData) {
    /**
     * JSON member names whose {@code true} value is a finding, lower-cased as the pseudo-subresources are: names are
     * compared ignoring case (older API servers decoded JSON case-insensitively: the most dangerous reading).
     */
    static final Map<String, String> FLAGS = Map.of("privileged", "privileged", "hostnetwork", "hostnetwork",
            "hostpid", "hostpid", "hostipc", "hostipc", "shareprocessnamespace", "shareprocessnamespace",
            "allowprivilegeescalation", "escalation");
    /** Volume sources that reach the node or storage outside the cluster's API (lower case). */
    static final Set<String> NODE_VOLUMES = Set.of("csi", "nfs", "iscsi", "rbd", "cephfs", "glusterfs", "fc",
            "flexvolume", "flocker", "cinder", "awselasticblockstore", "gcepersistentdisk", "azuredisk", "azurefile",
            "vspherevolume", "quobyte", "portworxvolume", "scaleio", "storageos", "photonpersistentdisk", "gitrepo",
            "local");
    /** String values (any case) that switch a confinement off. */
    static final Set<String> UNCONFINED = Set.of("unconfined", "unmasked", "spc_t", "unconfined_t");
    /** Every finding: the pseudo-subresources a write is also judged as ({@code pods/privileged}, ...). */
    static final Set<String> FINDINGS = Set.of("privileged", "hostpath", "hostnetwork", "hostpid", "hostipc",
            "shareprocessnamespace", "escalation", "capabilities", "root", "unconfined", "nodevolume", "secrets",
            "serviceaccount", "hostport");
    /** How Sluice masks Secret values in what it relays ({@link JsonMasker}): {@code data} and {@code stringData}. */
    static final Set<String> MASKS = Set.of(JsonMasker.MASKED_BASE64, JsonMasker.MASKED);
    private static final JsonFactory JSON = new JsonFactory();
    /** Nesting beyond this is not a pod spec anyone writes: judged as unreadable. */
    private static final int MAX_DEPTH = 200;

    static KubeBody inspect(byte[] body) {
        String text = new String(body, StandardCharsets.UTF_8);
        boolean mask = MASKS.stream().anyMatch(text::contains);
        if (body.length == 0) {
            return new KubeBody(Set.of(), false, false);
        }
        try {
            boolean[] reads = new boolean[1];
            return new KubeBody(scan(body, reads), mask, reads[0]);
        } catch (IOException | RuntimeException e) {
            // Fail closed: a body Sluice cannot read may hold any of them.
            return new KubeBody(FINDINGS, mask, true);
        }
    }

    private static Set<String> scan(byte[] body, boolean[] readsSecretData) throws IOException {
        Set<String> result = new TreeSet<>();
        // the member name that holds each open object or array ("" for an array element or the document)
        java.util.ArrayDeque<String> owners = new java.util.ArrayDeque<>();
        PatchOperation operation = new PatchOperation();
        boolean patchArray = false;
        try (JsonParser parser = JSON.createParser(body)) {
            String field = "";
            for (JsonToken token = parser.nextToken(); token != null; token = parser.nextToken()) {
                int depth = owners.size();
                switch (token) {
                    case FIELD_NAME -> field = parser.currentName().toLowerCase(java.util.Locale.ROOT);
                    case START_OBJECT, START_ARRAY -> {
                        patchArray |= depth == 0 && token == JsonToken.START_ARRAY;
                        if (depth + 1 > MAX_DEPTH) {
                            throw new IOException("nested too deeply");
                        }
                        container(field, owners.isEmpty() ? "" : owners.peek(), result);
                        owners.push(field);
                        field = "";
                    }
                    case END_OBJECT, END_ARRAY -> {
                        if (token == JsonToken.END_OBJECT && depth == 2 && patchArray) {
                            readsSecretData[0] |= operation.readsSecretData(); // an operation of a JSON Patch array
                            operation.findings(result);
                            operation = new PatchOperation();
                        }
                        owners.pop();
                        field = "";
                    }
                    case VALUE_TRUE -> {
                        if (FLAGS.containsKey(field)) {
                            result.add(FLAGS.get(field));
                        }
                    }
                    case VALUE_FALSE -> {
                        if (field.equals("runasnonroot")) {
                            result.add("root");
                        }
                    }
                    case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> number(field, parser.getDoubleValue(), result);
                    case VALUE_STRING -> {
                        String text = parser.getText();
                        string(field, owners.isEmpty() ? "" : owners.peek(), text, result);
                        if (field.equals("path") && !(depth == 2 && patchArray)) {
                            lastSegment(text, result); // a path member elsewhere names a setting as before
                        }
                        if (depth == 2 && patchArray) {
                            operation.member(field, text);
                        }
                    }
                    default -> { }
                }
            }
        }
        return result;
    }

    /** An object or array held by member {@code name} inside one held by {@code owner}. */
    private static void container(String name, String owner, Set<String> result) {
        if (name.equals("hostpath")) {
            result.add("hostpath");
        } else if (NODE_VOLUMES.contains(name)) {
            result.add("nodevolume");
        } else if (name.equals("add") && owner.equals("capabilities")) {
            result.add("capabilities");
        } else if (name.equals("secret") || name.equals("secretkeyref") || name.equals("secretref")) {
            result.add("secrets");
        } else if (name.equals("serviceaccounttoken")) {
            result.add("serviceaccount");
        }
    }

    private static void number(String field, double value, Set<String> result) {
        if ((field.equals("runasuser") || field.equals("runasgroup")) && value == 0) {
            result.add("root");
        } else if (field.equals("hostport") && value != 0) {
            result.add("hostport");
        }
    }

    private static void string(String field, String owner, String text, Set<String> result) {
        String value = text.strip().toLowerCase(java.util.Locale.ROOT);
        if (UNCONFINED.contains(value)) {
            result.add("unconfined");
        }
        switch (field) {
            case "runasuser", "runasgroup" -> {
                if (value.equals("0")) {
                    result.add("root");
                }
            }
            case "serviceaccountname", "serviceaccount" -> {
                if (!value.isEmpty() && !value.equals("default")) {
                    result.add("serviceaccount");
                }
            }
            case "add" -> {
                if (owner.equals("capabilities")) {
                    result.add("capabilities");
                }
            }
            default -> { }
        }
    }

    /** {@code /spec/containers/0/securityContext/privileged}: a setting a {@code path} member names. */
    private static void lastSegment(String path, Set<String> result) {
        String last = unescape(path.substring(path.lastIndexOf('/') + 1));
        if (FLAGS.containsKey(last)) {
            result.add(FLAGS.get(last));
        } else if (last.equals("hostpath")) {
            result.add("hostpath");
        }
    }

    /** Every setting a JSON Patch {@code path} names in any of its segments (whatever the value). */
    static Set<String> pathFindings(String path) {
        Set<String> result = new TreeSet<>();
        for (String raw : path.split("/", -1)) {
            String segment = unescape(raw);
            if (FLAGS.containsKey(segment)) {
                result.add(FLAGS.get(segment));
            }
            switch (segment) {
                case "hostpath" -> result.add("hostpath");
                case "capabilities" -> result.add("capabilities");
                case "runasuser", "runasgroup", "runasnonroot" -> result.add("root");
                case "procmount", "seccompprofile", "apparmorprofile", "selinuxoptions" -> result.add("unconfined");
                case "secret", "secretkeyref", "secretref" -> result.add("secrets");
                case "serviceaccountname", "serviceaccount", "serviceaccounttoken" -> result.add("serviceaccount");
                case "hostport" -> result.add("hostport");
                default -> {
                    if (NODE_VOLUMES.contains(segment)) {
                        result.add("nodevolume");
                    }
                    if (segment.contains("apparmor") || segment.contains("seccomp")) {
                        result.add("unconfined"); // the legacy annotations
                    }
                }
            }
        }
        return result;
    }

    private static String unescape(String segment) {
        return segment.replace("~1", "/").replace("~0", "~").toLowerCase(java.util.Locale.ROOT);
    }

    /** The members of one JSON Patch operation that tell whether it reads a Secret's data (any member order). */
    private static final class PatchOperation {
        private final Set<String> ops = new java.util.HashSet<>();
        private final java.util.List<String> froms = new java.util.ArrayList<>();
        private final java.util.List<String> paths = new java.util.ArrayList<>();

        /** Every value of a repeated member counts: parsers disagree on which one wins. */
        void member(String name, String value) {
            switch (name) {
                case "op" -> ops.add(value.toLowerCase(java.util.Locale.ROOT));
                case "from" -> froms.add(value);
                case "path" -> paths.add(value);
                default -> { }
            }
        }

        /**
         * The settings its {@code path} names; a {@code copy} or {@code move} brings a value the body does not hold,
         * so one whose path names no setting has every finding (fail closed).
         */
        void findings(Set<String> result) {
            Set<String> named = new TreeSet<>();
            paths.forEach(path -> named.addAll(pathFindings(path)));
            result.addAll(named);
            if (named.isEmpty() && (ops.contains("copy") || ops.contains("move"))) {
                result.addAll(FINDINGS);
            }
        }

        boolean readsSecretData() {
            return froms.stream().anyMatch(PatchOperation::secretData)
                    || ops.contains("test") && paths.stream().anyMatch(PatchOperation::secretData);
        }

        /** {@code ""} (the whole document), {@code /}, {@code /data}, {@code /stringData} or below, any case. */
        private static boolean secretData(String pointer) {
            if (pointer.isEmpty() || pointer.equals("/")) {
                return true;
            }
            String first = pointer.substring(1).split("/", -1)[0].replace("~1", "/").replace("~0", "~")
                    .toLowerCase(java.util.Locale.ROOT);
            return first.equals("data") || first.equals("stringdata");
        }
    }
}
