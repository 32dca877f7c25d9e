package dev.sluice.core.approval;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * POSTs a request as JSON to a {@link NotifyTarget}: the generic webhook (the request's JSON view, signed in
 * {@code X-Sluice-Signature: sha256=<hex HMAC-SHA256 of the body>} when a secret is configured) or a Slack-compatible
 * incoming webhook ({@code text} plus {@code blocks} with the approve and reject links). Any 2xx answer is a
 * delivery. Thread-safe.
 */
final class HttpNotifier implements ApprovalNotifier {
    static final String SIGNATURE_HEADER = "X-Sluice-Signature";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final NotifyTarget target;
    private final HttpClient http;

    HttpNotifier(NotifyTarget target, HttpClient http) {
        this.target = target;
        this.http = http;
    }

    @Override
    public String channel() {
        return target.toString();
    }

    @Override
    public void send(ApprovalRequest request, ApprovalLinks links) throws IOException, InterruptedException {
        byte[] body = body(request, links);
        HttpRequest.Builder builder = HttpRequest.newBuilder(target.url()).timeout(TIMEOUT)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (!target.secret().isEmpty()) {
            builder.header(SIGNATURE_HEADER, "sha256=" + sign(target.secret().reveal(), body));
        }
        HttpResponse<Void> response = http.send(builder.build(), HttpResponse.BodyHandlers.discarding());
        if (response.statusCode() / 100 != 2) {
            throw new IOException("HTTP " + response.statusCode());
        }
    }

    byte[] body(ApprovalRequest request, ApprovalLinks links) throws JsonProcessingException {
        Object message = NotifyTarget.SLACK.equals(target.type()) ? slack(request, links) : webhook(request, links);
        return JSON.writeValueAsBytes(message);
    }

    private static Map<String, Object> webhook(ApprovalRequest request, ApprovalLinks links) {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("event", "approval.requested");
        result.put("approval", ApprovalJson.of(request, links));
        result.put("cli", Map.of("approve", links.approveCommand(), "reject", links.rejectCommand()));
        return result;
    }

    private static Map<String, Object> slack(ApprovalRequest request, ApprovalLinks links) {
        String what = request.kind() == ApprovalKind.ACCESS
                ? "access to *" + request.connection() + "* for " + request.grantFor().toMinutes() + " min"
                : "`" + shorten(request.statement()) + "` on *" + request.connection() + "*";
        String text = "Sluice approval " + request.id() + ": " + request.requester().subject() + " asks to run "
                + what + " (rule " + request.rule() + ", approvers: " + String.join(", ",
                request.approvers().stream().sorted().toList()) + ", expires " + request.expires() + ")."
                + (request.justification().isEmpty() ? "" : " Justification: " + request.justification());
        Map<String, Object> section = Map.of("type", "section", "text", Map.of("type", "mrkdwn", "text", text));
        // a Slack button opens its URL in a browser (a GET): it leads to the console page, where the person signs
        // in and decides; the POST endpoints need a bearer token and are for tools
        Map<String, Object> actions = Map.of("type", "actions", "elements", List.of(
                button("Review in Sluice", links.console().toString(), "primary")));
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("text", text + " Review: " + links.console());
        result.put("blocks", List.of(section, actions));
        return result;
    }

    private static Map<String, Object> button(String label, String url, String style) {
        return Map.of("type", "button", "text", Map.of("type", "plain_text", "text", label), "url", url,
                "style", style);
    }

    private static String shorten(String text) {
        return text.length() > 300 ? text.substring(0, 300) + "…" : text;
    }

    /** Lower-case hex HMAC-SHA256 of {@code body} under {@code secret}. */
    static String sign(String secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is unavailable", e);
        }
    }
}
