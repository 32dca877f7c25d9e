package dev.sluice.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import dev.sluice.core.config.WebTarget;
import dev.sluice.http.wire.BodyFraming;
import dev.sluice.http.wire.ChunkedInputStream;
import dev.sluice.http.wire.ChunkedOutputStream;
import dev.sluice.http.wire.FixedLengthInputStream;
import dev.sluice.http.wire.HeadReader;
import dev.sluice.http.wire.Headers;
import dev.sluice.http.wire.HttpProtocolException;
import dev.sluice.http.wire.RequestHead;
import dev.sluice.http.wire.ResponseHead;

/**
 * Serves one request of an authenticated caller: decodes what it does, submits it to the caller's session, and when
 * allowed forwards it with the caller's token replaced by the target's credential, then relays the answer, masked
 * where masking applies, streaming both ways. Runs on the client connection's thread.
 */
final class Forwarder {
    /**
     * Request fields never forwarded: hop-by-hop, the caller's credential, and what only Sluice may set; also every
     * {@code X-Forwarded-*} field ({@link #dropped(String)}: {@code X-Forwarded-User}, {@code -Uri}, ... are trusted
     * by services from their proxy).
     */
    static final Set<String> DROPPED_REQUEST = Set.of("connection", "keep-alive", "proxy-connection",
            "proxy-authorization", "proxy-authenticate", "te", "trailer", "transfer-encoding", "upgrade",
            "content-length", "host", "authorization", "expect", "forwarded", "x-forwarded-for", "x-forwarded-host",
            "x-forwarded-proto", "x-forwarded-port", "x-forwarded-prefix", "x-real-ip", "accept-encoding");
    static final Set<String> DROPPED_RESPONSE = Set.of("connection", "keep-alive", "proxy-connection", "te",
            "trailer", "transfer-encoding", "upgrade", "content-length", "proxy-authenticate");
    /** Request bodies up to this size are read before the judgment (see {@link HeldClient}). */
    static final int BUFFERED_BODY = 64 * 1024;
    /** Request headers HTTP policy may match on ({@code command.headers}). */
    static final Set<String> SELECTED_HEADERS = Set.of("content-type", "accept", "user-agent", "x-request-id",
            "kubectl-command", "origin", "content-length");

    /** Opens or reuses the upstream connection of the session. */
    interface Links {
        UpstreamLink link(CallerSession caller, boolean fresh) throws IOException;

        void drop();

        /** The client may stay silent indefinitely from now on (an upgraded stream). */
        void unboundedClient() throws IOException;

        /** The client's socket (to notice it leaving while its request is held). */
        java.net.Socket clientSocket();
    }

    private final ProxyServices services;
    private final CallerSession caller;
    private final HttpTarget target;
    private final Links links;

    Forwarder(ProxyServices services, CallerSession caller, HttpTarget target, Links links) {
        this.services = services;
        this.caller = caller;
        this.target = target;
        this.links = links;
    }

    /** Serves the request; false when the client connection must close afterwards. */
    boolean serve(RequestHead head, ProxyConnection.Prepared prepared, InputStream in, OutputStream out)
            throws IOException {
        Instant started = services.clock().instant();
        boolean kube = target.kubernetes();
        Route route = prepared.route();
        RequestFacts facts;
        BodyFraming framing;
        try {
            framing = BodyFraming.ofRequest(head);
            facts = facts(head, route);
        } catch (HttpProtocolException e) {
            new Refusal(e.status(), e.getMessage()).write(out, kube, true);
            return false;
        }
        long limit = kube ? services.settings().maxKubeBodyBytes() : services.settings().maxBodyBytes();
        if (framing instanceof BodyFraming.Fixed fixed && fixed.length() > limit) {
            new Refusal(413, "request body too large (expected: <= " + limit + " bytes)").write(out, kube, true);
            return false;
        }
        // A small body is read before the judgment, so that the connection can be watched while a hold waits (a
        // client that gives up then withdraws its request); larger ones stream after it.
        Optional<byte[]> buffered = Optional.empty();
        Optional<String> sluiceRefusal = Optional.empty();
        if (kube && !(framing instanceof BodyFraming.None) && !prepared.upgrade()
                && facts instanceof RequestFacts.Kube kubeFacts) {
            // A Kubernetes body is judged too (pod-spec settings, the Secret mask written back): read it in full
            // (at most max-kube-body-bytes) before the judgment, and forward it with its length.
            byte[] whole;
            try {
                whole = wholeBody(head, framing, limit, in, out);
            } catch (HttpProtocolException e) {
                new Refusal(e.status(), e.getMessage()).write(out, true, true);
                return false;
            }
            buffered = Optional.of(whole);
            framing = new BodyFraming.Fixed(whole.length);
            KubeBody body = KubeBody.inspect(whole);
            facts = kubeFacts.withFindings(body.findings());
            if (body.writesMask() && kubeFacts.request().resource().equals("secrets")) {
                sluiceRefusal = Optional.of("the request writes Sluice's mask (" + JsonMasker.MASKED + " or "
                        + JsonMasker.MASKED_BASE64 + ") into a Secret: it holds a masked copy Sluice showed, not "
                        + "the value (kubectl edit or apply of a masked Secret); refused");
            }
            boolean jsonPatch = head.headers().first("Content-Type").orElse("").strip().toLowerCase(Locale.ROOT)
                    .startsWith("application/json-patch+json");
            if (jsonPatch && body.readsSecretData() && kubeFacts.request().resource().equals("secrets")) {
                // Fail closed: the value would leave the members Sluice masks (or a guess of it be confirmed).
                sluiceRefusal = Optional.of("a JSON Patch that copies, moves or tests a Secret's data would show "
                        + "it outside the members Sluice masks; refused");
            }
        } else if (framing instanceof BodyFraming.Fixed fixed && fixed.length() <= BUFFERED_BODY
                && !head.headers().listContains("Expect", "100-continue")) {
            buffered = Optional.of(new FixedLengthInputStream(in, fixed.length()).readAllBytes());
        }
        HeldClient watch = new HeldClient(links.clientSocket(), in,
                framing instanceof BodyFraming.None || buffered.isPresent());
        if (facts instanceof RequestFacts.Kube kubeFacts && prepared.upgrade()
                && (kubeFacts.request().verb().equals("exec") || kubeFacts.request().verb().equals("attach"))
                && !head.headers().first("Upgrade").orElse("").strip().equalsIgnoreCase("websocket")) {
            // Fail closed: an exec or attach is recorded as a terminal session, and Sluice taps only WebSocket
            // streams; a SPDY one would pass unrecorded, so it is refused (kubectl >= 1.30 speaks WebSocket).
            sluiceRefusal = Optional.of(kubeFacts.request().verb() + " over " + head.headers().first("Upgrade")
                    .orElse("").strip() + " cannot be recorded by Sluice; refused: use a client that speaks "
                    + "WebSocket (v5.channel.k8s.io, kubectl 1.30 or later)");
        }
        // A request Sluice has read in full can be recognised when it comes again: a hold may answer 202 for it.
        boolean recognisable = !kube && !prepared.upgrade()
                && (framing instanceof BodyFraming.None || buffered.isPresent());
        byte[] body = buffered.orElse(new byte[0]);
        java.util.function.Supplier<String> retryKey = () -> RetryKey.of(head,
                route.upstreamTarget(target.basePath()), dropped(head), body);
        // What approvers are shown (built only if the request is held): the body as it will be forwarded, masked.
        BodyFraming previewFraming = framing;
        Optional<byte[]> previewBody = buffered;
        RequestFacts previewFacts = facts;
        java.util.function.Supplier<dev.sluice.core.approval.HeldPreview> preview = () -> RequestPreview.of(head,
                dropped(head), previewFraming, previewBody, caller.recordMasking(), table(previewFacts), kube,
                previewFacts instanceof RequestFacts.Kube k && k.request().resource().equals("secrets"));
        CallerSession.Verdict verdict;
        try {
            verdict = sluiceRefusal.isPresent() ? caller.refuseUnlessDenied(facts, sluiceRefusal.get())
                    : recognisable ? caller.submit(facts, preview, retryKey, watch)
                    : caller.submit(facts, preview, watch);
        } finally {
            watch.finish();
        }
        switch (verdict) {
            case CallerSession.Verdict.Refuse refuse -> {
                // 503: the audit trail failed and the session ended; the connection goes with it
                boolean unread = !(framing instanceof BodyFraming.None) && buffered.isEmpty();
                boolean close = unread || prepared.closeAfter() || refuse.status() == 503;
                new Refusal(refuse.status(), refuse.message()).write(out, kube, close);
                return !close;
            }
            case CallerSession.Verdict.Held held -> {
                accepted(held, out, prepared.closeAfter());
                caller.completed(held.commandId(), 202, 0, "", Duration.between(started, services.clock().instant()),
                        Map.of());
                return !prepared.closeAfter();
            }
            case CallerSession.Verdict.Forward forward -> {
                return forward(forward.commandId(), head, prepared, facts, framing, buffered, limit, in, out,
                        started);
            }
        }
    }

    /** Seconds a client answered 202 is asked to wait before it sends the request again. */
    static final int RETRY_AFTER_SECONDS = 5;

    /** 202 Accepted: the approval id, when it expires, and when to come back; nothing was forwarded. */
    private static void accepted(CallerSession.Verdict.Held held, OutputStream out, boolean close)
            throws IOException {
        var quote = com.fasterxml.jackson.core.io.JsonStringEncoder.getInstance();
        byte[] body = ("{\"status\":202,\"state\":\"pending\",\"approval_id\":\"" + new String(quote.quoteAsString(
                held.approvalId())) + "\",\"expires\":\"" + held.expires() + "\",\"retry_after\":"
                + RETRY_AFTER_SECONDS + ",\"message\":\"" + new String(quote.quoteAsString(held.message()))
                + "\",\"source\":\"sluice\"}\n").getBytes(StandardCharsets.UTF_8);
        Headers headers = Headers.of(List.of())
                .with("Content-Type", "application/json")
                .with("Content-Length", Integer.toString(body.length))
                .with("Cache-Control", "no-store")
                .with("Retry-After", Integer.toString(RETRY_AFTER_SECONDS))
                .with("X-Sluice", "held")
                .with("X-Sluice-Approval", held.approvalId());
        if (close) {
            headers = headers.with("Connection", "close");
        }
        new ResponseHead("HTTP/1.1", 202, "Accepted", headers).encode(out);
        out.write(body);
        out.flush();
    }

    /** Whether a request field (lower case) is never forwarded. */
    static boolean dropped(String name) {
        return DROPPED_REQUEST.contains(name) || name.startsWith("x-forwarded-");
    }

    /** The request fields that are not forwarded: {@link #DROPPED_REQUEST} and those {@code Connection} names. */
    private static Set<String> dropped(RequestHead head) {
        Set<String> result = new java.util.HashSet<>(DROPPED_REQUEST);
        for (var field : head.headers().fields()) {
            String name = field.name().toLowerCase(Locale.ROOT);
            if (dropped(name)) {
                result.add(name);
            }
        }
        for (String value : head.headers().all("Connection")) {
            for (String part : value.split(",")) {
                result.add(part.strip().toLowerCase(Locale.ROOT));
            }
        }
        return result;
    }

    /** What {@code columns} selectors name: the Kubernetes resource, or the HTTP connection's name. */
    private String table(RequestFacts facts) {
        return facts instanceof RequestFacts.Kube kube ? kube.request().resource() : target.name();
    }

    private RequestFacts facts(RequestHead head, Route route) {
        if (target.kubernetes()) {
            KubeRequest request = KubeRequest.parse(head.method(), route.segments(), QueryString.parse(route.query()),
                    head.headers().first("Content-Type"));
            List<String> command = request.verb().equals("exec") || request.verb().equals("attach")
                    ? QueryString.parse(route.query()).all("command") : List.of();
            return new RequestFacts.Kube(request, head.headers().first("Kubectl-Command"), head.method(),
                    route.display(), command, Set.of());
        }
        Map<String, String> selected = new LinkedHashMap<>();
        for (var field : head.headers().fields()) {
            String name = field.name().toLowerCase(Locale.ROOT);
            if (SELECTED_HEADERS.contains(name)) {
                selected.putIfAbsent(name, field.value());
            }
        }
        return new RequestFacts.Http(head.method(), target.address().getHost(), "/" + String.join("/",
                route.segments()), route.query(), selected);
    }

    private boolean forward(long id, RequestHead head, ProxyConnection.Prepared prepared, RequestFacts facts,
                            BodyFraming framing, Optional<byte[]> buffered, long limit, InputStream in,
                            OutputStream out, Instant started) throws IOException {
        if (head.headers().listContains("Expect", "100-continue") && buffered.isEmpty()) {
            // The judgment is what 100 Continue guards: the client may send its body now.
            out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }
        RequestHead upstreamHead = upstreamHead(head, prepared, framing);
        ResponseHead response;
        // A kept-alive upstream connection may have been closed by the service meanwhile: a GET or HEAD without a
        // body is sent again once on a fresh connection; nothing else is (it may have run).
        boolean retry = framing instanceof BodyFraming.None && !prepared.upgrade()
                && (head.method().equals("GET") || head.method().equals("HEAD"));
        for (boolean fresh = false; ; fresh = true) {
            UpstreamLink link;
            try {
                link = links.link(caller, fresh);
            } catch (IOException | RuntimeException e) {
                links.drop();
                services.upstreamFailed(caller);
                String message = "Sluice could not reach connection \"" + target.name() + "\": "
                        + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
                new Refusal(502, message).write(out, target.kubernetes(), true);
                caller.completed(id, 502, 0, message, Duration.between(started, services.clock().instant()),
                        Map.of());
                return false;
            }
            long fromClient;
            try {
                upstreamHead.encode(link.out());
                if (buffered.isPresent()) {
                    link.out().write(buffered.get());
                    fromClient = buffered.get().length;
                } else {
                    fromClient = body(framing, in, link.out(), limit);
                }
                link.out().flush();
            } catch (HttpProtocolException e) {
                links.drop(); // the upstream saw part of a body: it must not see it completed
                new Refusal(e.status(), e.getMessage()).write(out, target.kubernetes(), true);
                caller.completed(id, e.status(), 0, e.getMessage(),
                        Duration.between(started, services.clock().instant()), Map.of());
                return false;
            } catch (IOException e) {
                if (retry && !fresh) {
                    continue;
                }
                throw e;
            }
            caller.countFromClient(fromClient);
            // The answer's head must come within upstream-timeout; its body (a watch, logs -f, an event stream, an
            // upgraded stream) may take as long as it takes.
            link.socket().setSoTimeout(prepared.upgrade() ? 0
                    : (int) services.settings().upstreamTimeout().toMillis());
            try {
                response = responseHead(link);
                if (response.status() != 101) {
                    link.socket().setSoTimeout(0);
                }
            } catch (IOException | HttpProtocolException e) {
                links.drop();
                if (retry && !fresh && !(e instanceof java.net.SocketTimeoutException)) {
                    continue;
                }
                int status = e instanceof java.net.SocketTimeoutException ? 504 : 502;
                String message = status == 504 ? "the upstream did not answer in time" : "the upstream failed: "
                        + (e instanceof HttpProtocolException ? e.getMessage() : "connection lost");
                new Refusal(status, message).write(out, target.kubernetes(), true);
                caller.completed(id, status, 0, message, Duration.between(started, services.clock().instant()),
                        Map.of());
                return false;
            }
            return answer(id, head, prepared, facts, response, link, in, out, started);
        }
    }

    private boolean answer(long id, RequestHead head, ProxyConnection.Prepared prepared, RequestFacts facts,
                           ResponseHead response, UpstreamLink link, InputStream in, OutputStream out,
                           Instant started) throws IOException {
        if (response.status() == 401 && target.credential() instanceof WebTarget.Credential.OAuth2) {
            services.oauth().invalidate(target.name());
        }
        if (response.status() == 101) {
            if (!prepared.upgrade()) {
                links.drop();
                new Refusal(502, "the upstream switched protocols unasked").write(out, target.kubernetes(), true);
                caller.completed(id, 502, 0, "unasked 101", Duration.between(started, services.clock().instant()),
                        Map.of());
                return false;
            }
            links.unboundedClient();
            java.util.Optional<ExecRecording> recording = Optional.empty();
            if (facts instanceof RequestFacts.Kube kube && (kube.request().verb().equals("exec")
                    || kube.request().verb().equals("attach"))
                    && response.headers().first("Upgrade").orElse("").equalsIgnoreCase("websocket")) {
                recording = caller.execRecording(response.headers().first("Sec-WebSocket-Protocol").orElse(""),
                        kube.execCommand().isEmpty() ? kube.request().describe() : String.join(" ",
                                kube.execCommand()));
            }
            return new UpgradeRelay(caller, id, started, services.clock(), recording).relay(response, in, out, link);
        }
        return new ResponseRelay(services, caller, target, links).relay(id, head, prepared, facts, response, link, out,
                started);
    }

    private static ResponseHead responseHead(UpstreamLink link) throws IOException {
        HeadReader reader = new HeadReader(link.in(), 8192, 256 * 1024);
        while (true) {
            Optional<HeadReader.RawHead> raw = reader.read();
            if (raw.isEmpty()) {
                throw new HttpProtocolException(502, "the upstream closed the connection without an answer");
            }
            ResponseHead head = ResponseHead.decode(raw.get());
            if (head.status() / 100 != 1 || head.status() == 101) {
                return head;
            }
            // 100 Continue (Sluice answered the client itself) and 103 Early Hints: not relayed.
        }
    }

    /**
     * Reads a whole request body (at most {@code limit} bytes, else 413), answering {@code 100 Continue} first when
     * the client waits for it: that tells it to send the body, not that the request is allowed.
     */
    private static byte[] wholeBody(RequestHead head, BodyFraming framing, long limit, InputStream in,
                                    OutputStream out) throws IOException {
        if (head.headers().listContains("Expect", "100-continue")) {
            out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }
        java.io.ByteArrayOutputStream result = new java.io.ByteArrayOutputStream();
        switch (framing) {
            case BodyFraming.Fixed fixed -> Streams.copy(new FixedLengthInputStream(in, fixed.length()), result,
                    limit, fixed.length());
            case BodyFraming.Chunked chunked -> Streams.copy(new ChunkedInputStream(in, 400), result, limit);
            default -> throw new HttpProtocolException(400, "request without framing");
        }
        return result.toByteArray();
    }

    private long body(BodyFraming framing, InputStream in, OutputStream upstream, long limit) throws IOException {
        return switch (framing) {
            case BodyFraming.None none -> 0;
            case BodyFraming.Fixed fixed -> Streams.copy(new FixedLengthInputStream(in, fixed.length()), upstream,
                    limit, fixed.length());
            case BodyFraming.Chunked chunked -> {
                ChunkedOutputStream encoded = new ChunkedOutputStream(upstream);
                long n = Streams.copy(new ChunkedInputStream(in, 400), encoded, limit);
                encoded.finish();
                yield n;
            }
            case BodyFraming.UntilClose untilClose -> throw new HttpProtocolException(400, "request without framing");
        };
    }

    private RequestHead upstreamHead(RequestHead head, ProxyConnection.Prepared prepared, BodyFraming framing)
            throws IOException {
        Set<String> nominated = new java.util.HashSet<>();
        for (String value : head.headers().all("Connection")) {
            for (String part : value.split(",")) {
                nominated.add(part.strip().toLowerCase(Locale.ROOT));
            }
        }
        nominated.remove("upgrade");
        Headers headers = head.headers().without(n -> dropped(n) || nominated.contains(n));
        headers = headers.with("Host", target.hostHeader());
        if (target.kubernetes()) {
            headers = headers.with("Accept", KubeAccept.jsonOnly(head.headers().all("Accept")));
        }
        headers = credential(headers);
        if (target.impersonate()) {
            headers = headers.with("Impersonate-User", caller.principal().subject());
            for (String group : caller.principal().groups().stream().sorted().toList()) {
                headers = headers.plus("Impersonate-Group", group);
            }
        }
        if (prepared.upgrade()) {
            headers = headers.with("Connection", "Upgrade").with("Upgrade",
                    head.headers().first("Upgrade").orElseThrow().strip());
        }
        headers = switch (framing) {
            case BodyFraming.Fixed fixed -> headers.with("Content-Length", Long.toString(fixed.length()));
            case BodyFraming.Chunked chunked -> headers.with("Transfer-Encoding", "chunked");
            default -> headers;
        };
        return new RequestHead(head.method(), prepared.route().upstreamTarget(target.basePath()), "HTTP/1.1",
                headers);
    }

    private Headers credential(Headers headers) throws IOException {
        return UpstreamCredential.apply(headers, target, services.oauth());
    }
}
