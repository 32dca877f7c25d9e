package dev.sluice.server;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * The approvals CLI, a client of a running Sluice's REST API: {@code sluice approvals list},
 * {@code sluice approve ID}, {@code sluice reject ID --reason R} and
 * {@code sluice access request --connection C --duration 1h --reason R}. The token comes from {@code --token} or
 * the environment variable {@code SLUICE_TOKEN}. Exit code 1 with the API's error on stderr when a call fails.
 */
@Command(name = "approvals", description = "List approval requests on a running Sluice.",
        subcommands = {ApprovalsCommand.ListRequests.class, ApprovalsCommand.Show.class})
final class ApprovalsCommand implements Callable<Integer> {
    static final String DEFAULT_URL = "http://127.0.0.1:8443";
    static final String TOKEN_ENV = "SLUICE_TOKEN";
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 0;
    }

    /** Where the API is and who calls it. */
    static final class Api {
        @Option(names = "--url", description = "Sluice's http listener (default " + DEFAULT_URL + ")")
        String url = DEFAULT_URL;

        @Option(names = "--token", description = "an OIDC bearer token (default: $" + TOKEN_ENV + ")")
        String token;

        /** Calls the API; prints the error and returns empty when the answer is not 2xx. */
        Optional<JsonNode> call(CommandLine.Model.CommandSpec spec, String method, String path,
                                Map<String, Object> body) throws IOException, InterruptedException {
            String bearer = Optional.ofNullable(token).or(() -> Optional.ofNullable(System.getenv(TOKEN_ENV)))
                    .orElse("");
            PrintWriter err = spec.commandLine().getErr();
            if (bearer.isBlank()) {
                err.println("sluice: no token: pass --token or set " + TOKEN_ENV);
                err.flush();
                return Optional.empty();
            }
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url.replaceAll("/+$", "") + path))
                    .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + bearer)
                    .header("Accept", "application/json");
            if (method.equals("POST")) {
                request.header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
            } else if (method.equals("DELETE")) {
                request.DELETE();
            }
            HttpResponse<String> response;
            try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build()) {
                response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                err.println("sluice: cannot reach " + url + ": " + e.getMessage());
                err.flush();
                return Optional.empty();
            }
            JsonNode result = response.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(response.body());
            if (response.statusCode() / 100 != 2) {
                err.println("sluice: " + CliText.escape(result.path("error").asText("HTTP " + response.statusCode()))
                        + " (HTTP "
                        + response.statusCode() + ")");
                err.flush();
                return Optional.empty();
            }
            return Optional.of(result);
        }
    }

    static String summary(JsonNode r) {
        String statement = r.path("statement").asText("").replaceAll("[ \\t\\r\\n]+", " ");
        String what = r.path("kind").asText().equals("access")
                ? "access for " + r.path("grant_seconds").asLong() + "s: " + r.path("justification").asText()
                : statement.length() > 80 ? statement.substring(0, 80) + "…" : statement;
        // Every value is the server's word for a caller's choice: escaped so none can forge a line (CliText).
        return String.format("%-19s %-9s %-20s %-12s %-24s %d/%d  %s", CliText.escape(r.path("id").asText()),
                CliText.escape(r.path("state").asText()), CliText.escape(r.path("requester").path("subject").asText()),
                CliText.escape(r.path("connection").asText()), CliText.escape(r.path("rule").asText()),
                r.path("approvals").asInt(), r.path("approvals_required").asInt(), CliText.escape(what));
    }

    @Command(name = "list", description = "List approval requests, newest first.")
    static final class ListRequests implements Callable<Integer> {
        @CommandLine.Mixin
        Api api;

        @Option(names = "--state", description = "pending (default), approved, rejected, expired, withdrawn, all")
        String state = "pending";

        @Option(names = "--json", description = "print the API's JSON")
        boolean json;

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            Optional<JsonNode> result = api.call(spec, "GET", "/api/approvals?state=" + state, Map.of());
            if (result.isEmpty()) {
                return 1;
            }
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(result.get()));
            } else {
                result.get().forEach(r -> out.println(summary(r)));
            }
            out.flush();
            return 0;
        }
    }

    /**
     * {@code sluice approvals show ID}: one request in full, with what a held HTTP or Kubernetes request carries
     * (content type, shown headers, the body as Sluice masked it). Every line is the server's word for a caller's
     * choice: escaped line by line ({@link CliText}), the body one escaped line per line it has.
     */
    @Command(name = "show", description = "Show one approval request, with a held request's masked body.")
    static final class Show implements Callable<Integer> {
        @CommandLine.Mixin
        Api api;

        @Parameters(index = "0", description = "the request id, e.g. ap-3f2a9c0d11e4b5a6")
        String id;

        @Option(names = "--json", description = "print the API's JSON")
        boolean json;

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            if (!id.matches("[A-Za-z0-9_-]{1,64}")) {
                spec.commandLine().getErr().println("sluice: invalid request id");
                return 2;
            }
            Optional<JsonNode> result = api.call(spec, "GET", "/api/approvals/" + id, Map.of());
            if (result.isEmpty()) {
                return 1;
            }
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(result.get()));
            } else {
                details(result.get(), out);
            }
            out.flush();
            return 0;
        }
    }

    static void details(JsonNode r, PrintWriter out) {
        out.println(summary(r));
        out.println("  statement:     " + CliText.escape(r.path("statement").asText()));
        out.println("  requester:     " + CliText.escape(r.path("requester").path("subject").asText())
                + " (" + CliText.escape(r.path("requester").path("issuer").asText()) + ")");
        out.println("  reason:        " + CliText.escape(r.path("reason").asText()));
        out.println("  justification: " + CliText.escape(r.path("justification").asText()));
        out.println("  expires:       " + CliText.escape(r.path("expires").asText()));
        JsonNode preview = r.path("preview");
        if (preview.isMissingNode()) {
            return;
        }
        out.println("  content type:  " + CliText.escape(preview.path("content_type").asText()));
        preview.path("headers").forEach(h -> out.println("  header:        " + CliText.escape(h.path("name").asText())
                + ": " + CliText.escape(h.path("value").asText())));
        if (!preview.path("hidden_headers").isEmpty()) {
            java.util.List<String> names = new java.util.ArrayList<>();
            preview.path("hidden_headers").forEach(n -> names.add(CliText.escape(n.asText())));
            out.println("  also sent:     " + String.join(", ", names) + " (values not shown)");
        }
        long bytes = preview.path("body_bytes").asLong(-1);
        out.println("  body:          " + (bytes < 0 ? "size unknown" : bytes + " bytes")
                + (preview.path("body_sha256").asText().isEmpty() ? ""
                : ", sha256 " + CliText.escape(preview.path("body_sha256").asText()))
                + (preview.path("cut").asBoolean() ? ", cut: only the first part is shown" : ""));
        if (!preview.path("note").asText().isEmpty()) {
            out.println("  not shown:     " + CliText.escape(preview.path("note").asText()));
        }
        for (String line : preview.path("body").asText().split("\n", -1)) {
            if (!line.isEmpty()) {
                out.println("    | " + CliText.escape(line));
            }
        }
    }

    /** {@code sluice approve ID [--reason R]} and {@code sluice reject ID --reason R}. */
    abstract static class Decide implements Callable<Integer> {
        @CommandLine.Mixin
        Api api;

        @Parameters(index = "0", description = "the request id, e.g. ap-3f2a9c0d11e4b5a6")
        String id;

        @Spec
        CommandLine.Model.CommandSpec spec;

        abstract String action();

        abstract String reason();

        @Override
        public Integer call() throws Exception {
            if (!id.matches("[A-Za-z0-9_-]{1,64}")) {
                spec.commandLine().getErr().println("sluice: invalid request id");
                return 2;
            }
            Optional<JsonNode> result = api.call(spec, "POST", "/api/approvals/" + id + "/" + action(),
                    Map.of("reason", reason()));
            if (result.isEmpty()) {
                return 1;
            }
            spec.commandLine().getOut().println(summary(result.get()));
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    @Command(name = "approve", description = "Approve a pending request on a running Sluice.")
    static final class Approve extends Decide {
        @Option(names = "--reason", description = "why (recorded in the audit trail)")
        String reason = "";

        @Override
        String action() {
            return "approve";
        }

        @Override
        String reason() {
            return reason;
        }
    }

    @Command(name = "reject", description = "Reject a pending request on a running Sluice.")
    static final class Reject extends Decide {
        @Option(names = "--reason", required = true, description = "why (shown to the requester and audited)")
        String reason;

        @Override
        String action() {
            return "reject";
        }

        @Override
        String reason() {
            return reason;
        }
    }

    @Command(name = "access", description = "Time-bound access to connections.",
            subcommands = {AccessRequest.class})
    static final class Access implements Callable<Integer> {
        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            spec.commandLine().usage(spec.commandLine().getOut());
            return 0;
        }
    }

    @Command(name = "request", description = "Ask for access to a connection for a while.")
    static final class AccessRequest implements Callable<Integer> {
        @CommandLine.Mixin
        Api api;

        @Option(names = "--connection", required = true)
        String connection;

        @Option(names = "--duration", required = true, description = "e.g. 30m, 1h")
        String duration;

        @Option(names = "--reason", required = true)
        String reason;

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("connection", connection);
            body.put("duration", duration);
            body.put("reason", reason);
            Optional<JsonNode> result = api.call(spec, "POST", "/api/access-requests", body);
            if (result.isEmpty()) {
                return 1;
            }
            PrintWriter out = spec.commandLine().getOut();
            out.println(summary(result.get()));
            out.println("approve with: sluice approve " + result.get().path("id").asText() + " --url " + api.url);
            out.flush();
            return 0;
        }
    }
}
