package dev.sluice.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;

import dev.sluice.core.masking.MaskingPlan;
import dev.sluice.http.wire.BodyFraming;
import dev.sluice.http.wire.ChunkedInputStream;
import dev.sluice.http.wire.ChunkedOutputStream;
import dev.sluice.http.wire.FixedLengthInputStream;
import dev.sluice.http.wire.Headers;
import dev.sluice.http.wire.HttpProtocolException;
import dev.sluice.http.wire.RequestHead;
import dev.sluice.http.wire.ResponseHead;

/**
 * Relays one upstream answer to the client, streaming: as is when nothing can need masking, else through the
 * {@link JsonMasker} (JSON) or the {@link LineMasker} (text) re-chunked. Where masking is required (any Kubernetes
 * response, an HTTP service with rules in force) and the body is encoded ({@code Content-Encoding}) or of a type
 * Sluice cannot read, the answer is refused (502) rather than passed unmasked. Runs on the client connection's thread.
 */
final class ResponseRelay {
    private final ProxyServices services;
    private final CallerSession caller;
    private final HttpTarget target;
    private final Forwarder.Links links;

    ResponseRelay(ProxyServices services, CallerSession caller, HttpTarget target, Forwarder.Links links) {
        this.services = services;
        this.caller = caller;
        this.target = target;
        this.links = links;
    }

    private enum Treatment { PASS, JSON, TEXT }

    boolean relay(long id, RequestHead request, ProxyConnection.Prepared prepared, RequestFacts facts,
                  ResponseHead response, UpstreamLink link, OutputStream out, Instant started) throws IOException {
        BodyFraming framing;
        try {
            framing = BodyFraming.ofResponse(request.method(), response);
        } catch (HttpProtocolException e) {
            return fail(id, out, e.status(), e.getMessage(), started);
        }
        MaskingPlan plan = caller.masking();
        String contentType = response.headers().first("Content-Type").orElse("").toLowerCase(Locale.ROOT);
        String encoding = response.headers().first("Content-Encoding").orElse("identity").strip()
                .toLowerCase(Locale.ROOT);
        boolean hasBody = !(framing instanceof BodyFraming.None);
        boolean secrets = facts instanceof RequestFacts.Kube kube && kube.request().resource().equals("secrets");
        boolean maskingApplies = hasBody && (target.kubernetes() || !plan.isEmpty());
        Treatment treatment = Treatment.PASS;
        if (maskingApplies) {
            // The API server always names its type; an answer without one is read as the JSON Sluice asked for
            // (malformed JSON then fails closed mid-stream), never passed unread.
            boolean json = contentType.startsWith("application/json") || contentType.contains("+json")
                    || target.kubernetes() && contentType.isEmpty();
            boolean text = contentType.startsWith("text/");
            if (!encoding.equals("identity") && (json || text || secrets)) {
                return fail(id, out, 502, "the upstream sent an encoded (" + encoding + ") body Sluice must mask",
                        started);
            }
            if (json) {
                treatment = Treatment.JSON;
            } else if (text && plan.hasDetectors()) {
                treatment = Treatment.TEXT;
            } else if (secrets && response.status() < 300) {
                // Secrets in a form Sluice cannot read (protobuf despite the Accept it sent, YAML): never relayed.
                return fail(id, out, 502, "the upstream answered secrets as " + contentType
                        + ", which Sluice cannot mask", started);
            }
        }
        boolean closeAfter = prepared.closeAfter() || framing instanceof BodyFraming.UntilClose
                || request.version().equals("HTTP/1.0");
        Headers headers = response.headers().without(n -> Forwarder.DROPPED_RESPONSE.contains(n));
        boolean chunkToClient = hasBody && (treatment != Treatment.PASS || !(framing instanceof BodyFraming.Fixed))
                && !request.version().equals("HTTP/1.0");
        if (chunkToClient) {
            headers = headers.with("Transfer-Encoding", "chunked");
        } else if (framing instanceof BodyFraming.Fixed fixed) {
            headers = headers.with("Content-Length", Long.toString(fixed.length()));
        } else if (request.method().equals("HEAD") || response.status() == 304) {
            String length = response.headers().first("Content-Length").orElse("");
            headers = length.isEmpty() ? headers : headers.with("Content-Length", length);
        } else if (!hasBody && response.status() != 204) {
            headers = headers.with("Content-Length", "0");
        }
        if (closeAfter) {
            headers = headers.with("Connection", "close");
        }
        if (treatment != Treatment.PASS) {
            headers = headers.without("Content-MD5").without("Digest");
        }
        response.withHeaders(headers).encode(out);
        Streams.Counting counted = new Streams.Counting(out);
        InputStream body = switch (framing) {
            case BodyFraming.None none -> InputStream.nullInputStream();
            case BodyFraming.Fixed fixed -> new FixedLengthInputStream(link.in(), fixed.length());
            case BodyFraming.Chunked chunked -> new ChunkedInputStream(link.in(), 502);
            case BodyFraming.UntilClose untilClose -> link.in();
        };
        Map<String, Long> masked = Map.of();
        String error = "";
        try {
            OutputStream sink = chunkToClient ? new ChunkedOutputStream(counted) : counted;
            switch (treatment) {
                case PASS -> Streams.copy(body, sink, Long.MAX_VALUE, framing instanceof BodyFraming.Fixed fixed
                        ? fixed.length() : Streams.BUFFER);
                case JSON -> {
                    JsonMasker masker = new JsonMasker(plan, table(facts), secrets);
                    masker.mask(body, sink);
                    masked = masker.counts();
                }
                case TEXT -> {
                    LineMasker masker = new LineMasker(plan);
                    masker.mask(body, sink);
                    masked = masker.counts();
                }
            }
            if (sink instanceof ChunkedOutputStream chunked) {
                chunked.finish();
            }
            out.flush();
        } catch (IOException | RuntimeException e) {
            // Fail closed mid-stream: the client gets no terminating chunk, so it cannot take a cut body for whole.
            error = e instanceof com.fasterxml.jackson.core.JacksonException ? "malformed JSON from upstream"
                    : "relay failed: " + e.getClass().getSimpleName();
            links.drop();
            caller.countToClient(counted.count());
            caller.completed(id, response.status(), counted.count(), error,
                    Duration.between(started, services.clock().instant()), masked);
            throw e instanceof IOException io ? io : new IOException(error, e);
        }
        if (closeAfter || framing instanceof BodyFraming.UntilClose) {
            links.drop();
        }
        caller.countToClient(counted.count());
        caller.completed(id, response.status(), counted.count(), error,
                Duration.between(started, services.clock().instant()), masked);
        return !closeAfter;
    }

    /** What {@code columns} selectors name: the Kubernetes resource, or the HTTP connection's name. */
    private String table(RequestFacts facts) {
        return facts instanceof RequestFacts.Kube kube ? kube.request().resource() : target.name();
    }

    private boolean fail(long id, OutputStream out, int status, String message, Instant started) throws IOException {
        links.drop();
        new Refusal(status, message).write(out, target.kubernetes(), true);
        caller.completed(id, status, 0, message, Duration.between(started, services.clock().instant()), Map.of());
        return false;
    }

}
