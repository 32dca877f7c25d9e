package dev.sluice.http;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import com.fasterxml.jackson.core.io.JsonStringEncoder;

import dev.sluice.http.wire.Header;
import dev.sluice.http.wire.Headers;
import dev.sluice.http.wire.ResponseHead;

/**
 * Sluice's own answers, worded for the caller: a Kubernetes {@code Status} object on {@code /k8s/} routes (so kubectl
 * prints {@code Error from server (Forbidden): ...}), a small JSON object elsewhere. Messages are safe to show.
 */
record Refusal(int status, String message, List<Header> extra) {

    Refusal(int status, String message) {
        this(status, message, List.of());
    }

    static String reason(int status) {
        return switch (status) {
            case 100 -> "Continue";
            case 202 -> "Accepted";
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 408 -> "Request Timeout";
            case 413 -> "Content Too Large";
            case 414 -> "URI Too Long";
            case 431 -> "Request Header Fields Too Large";
            case 500 -> "Internal Server Error";
            case 501 -> "Not Implemented";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            case 504 -> "Gateway Timeout";
            case 505 -> "HTTP Version Not Supported";
            default -> "Error";
        };
    }

    private static String kubeReason(int status) {
        return switch (status) {
            case 202 -> "Accepted";
            case 400 -> "BadRequest";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "NotFound";
            case 405 -> "MethodNotAllowed";
            case 413 -> "RequestEntityTooLarge";
            case 503 -> "ServiceUnavailable";
            case 504 -> "Timeout";
            default -> "InternalError";
        };
    }

    String body(boolean kubernetes) {
        String text = new String(JsonStringEncoder.getInstance().quoteAsString(message));
        if (kubernetes) {
            return "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\""
                    + text + "\",\"reason\":\"" + kubeReason(status) + "\",\"code\":" + status + "}\n";
        }
        return "{\"error\":\"" + text + "\",\"status\":" + status + ",\"source\":\"sluice\"}\n";
    }

    /** Writes the whole answer and flushes. */
    void write(OutputStream out, boolean kubernetes, boolean close) throws IOException {
        byte[] body = body(kubernetes).getBytes(StandardCharsets.UTF_8);
        Headers headers = Headers.of(extra)
                .with("Content-Type", "application/json")
                .with("Content-Length", Integer.toString(body.length))
                .with("Cache-Control", "no-store")
                .with("X-Sluice", "refused");
        if (close) {
            headers = headers.with("Connection", "close");
        }
        if (status == 401) {
            headers = headers.with("WWW-Authenticate", "Bearer realm=\"sluice\"");
        }
        new ResponseHead("HTTP/1.1", status, reason(status), headers).encode(out);
        out.write(body);
        out.flush();
    }
}
