package dev.sluice.http;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

/**
 * What a Kubernetes write's body holds that rules care about and the URL does not say: the pod-spec settings that
 * break out of a container ({@code privileged: true}, {@code hostPath} volumes, {@code hostNetwork},
 * {@code hostPID}, {@code hostIPC}: {@link #FINDINGS}), and Sluice's own Secret mask written back.
 *
 * <p>Read the way that judges the most dangerous reading, for every resource (pods, the controllers that make pods,
 * ephemeral containers, custom resources embedding pod templates) and every body kind: a JSON object, a merge or
 * strategic-merge patch, an apply patch, or a JSON Patch, whose operations name a setting by the last segment of
 * their {@code path} (whatever the value). A setting counts wherever it is in the document. A body that is not JSON
 * (YAML, protobuf, malformed) has every finding: Sluice cannot tell, so it judges the worst.
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
    static final Set<String> FLAGS = Set.of("privileged", "hostnetwork", "hostpid", "hostipc");
    /** Every finding: the pseudo-subresources a write is also judged as ({@code pods/privileged}, ...). */
    static final Set<String> FINDINGS = Set.of("privileged", "hostpath", "hostnetwork", "hostpid", "hostipc");
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
        int depth = 0;
        PatchOperation operation = new PatchOperation();
        boolean patchArray = false;
        try (JsonParser parser = JSON.createParser(body)) {
            String field = "";
            for (JsonToken token = parser.nextToken(); token != null; token = parser.nextToken()) {
                switch (token) {
                    case FIELD_NAME -> field = parser.currentName().toLowerCase(java.util.Locale.ROOT);
                    case START_OBJECT, START_ARRAY -> {
                        patchArray |= depth == 0 && token == JsonToken.START_ARRAY;
                        if (++depth > MAX_DEPTH) {
                            throw new IOException("nested too deeply");
                        }
                        if (token == JsonToken.START_OBJECT && field.equals("hostpath")) {
                            result.add("hostpath");
                        }
                        field = "";
                    }
                    case END_OBJECT, END_ARRAY -> {
                        if (token == JsonToken.END_OBJECT && depth == 2 && patchArray) {
                            readsSecretData[0] |= operation.readsSecretData(); // an operation of a JSON Patch array
                            operation = new PatchOperation();
                        }
                        depth--;
                        field = "";
                    }
                    case VALUE_TRUE -> {
                        if (FLAGS.contains(field)) {
                            result.add(field);
                        }
                    }
                    case VALUE_STRING -> {
                        if (field.equals("path")) {
                            patchPath(parser.getText(), result); // a JSON Patch operation
                        }
                        if (depth == 2 && patchArray) {
                            operation.member(field, parser.getText());
                        }
                    }
                    default -> { }
                }
            }
        }
        return result;
    }

    /** {@code /spec/containers/0/securityContext/privileged}: the setting a JSON Patch operation changes. */
    private static void patchPath(String path, Set<String> result) {
        String last = path.substring(path.lastIndexOf('/') + 1).replace("~1", "/").replace("~0", "~")
                .toLowerCase(java.util.Locale.ROOT);
        if (FLAGS.contains(last) || last.equals("hostpath")) {
            result.add(last);
        }
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
