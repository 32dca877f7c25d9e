package dev.sluice.http;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** What one request asks for, as policy judges it (mapped to the core's command records by the gate). */
sealed interface RequestFacts {
    /** One line for the audit trail and approvers. */
    String text();

    /** A Kubernetes API request. */
    record Kube(KubeRequest request, Optional<String> kubectlCommand, String method, String target,
                java.util.List<String> execCommand, java.util.Set<String> bodyFindings) implements RequestFacts {
        public Kube {
            Objects.requireNonNull(request, "request");
            Objects.requireNonNull(kubectlCommand, "kubectlCommand");
            execCommand = java.util.List.copyOf(execCommand);
            bodyFindings = java.util.Set.copyOf(new java.util.TreeSet<>(bodyFindings));
        }

        /** The same request, with what its body holds ({@link KubeBody#findings}). */
        Kube withFindings(java.util.Set<String> findings) {
            return new Kube(request, kubectlCommand, method, target, execCommand, findings);
        }

        @Override
        public String text() {
            String command = execCommand.isEmpty() ? "" : "  $ " + String.join(" ", execCommand);
            String body = bodyFindings.isEmpty() ? "" : "  {body: " + String.join(", ",
                    new java.util.TreeSet<>(bodyFindings)) + "}";
            return request.describe() + command + body + "  [" + method + " " + target + "]"
                    + kubectlCommand.map(c -> "  (" + c + ")").orElse("");
        }
    }

    /** A request to an HTTP service: method, host, path, query and selected headers (lower-case names). */
    record Http(String method, String host, String path, String query, Map<String, String> headers)
            implements RequestFacts {
        @Override
        public String text() {
            return method + " " + path + (query.isEmpty() ? "" : "?" + query);
        }
    }
}
