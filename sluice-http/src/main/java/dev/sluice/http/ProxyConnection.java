package dev.sluice.http;

import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

import javax.net.ssl.SSLException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sluice.core.spi.HandshakeGate;
import dev.sluice.http.wire.BufferedInput;
import dev.sluice.http.wire.HeadReader;
import dev.sluice.http.wire.Headers;
import dev.sluice.http.wire.HttpProtocolException;
import dev.sluice.http.wire.RequestHead;

/**
 * One client connection to the proxy, for its whole life, on its own virtual thread: reads each request head,
 * refuses what cannot be judged unambiguously, authenticates the caller, submits the request to the caller's core
 * session, and hands what is allowed to the {@link Forwarder}. Requests on a kept-alive connection are served one
 * after another (no pipelining: a request is read only once the previous answer is complete).
 *
 * <p>Refused before any session (answered, connection closed where the stream could be out of step): malformed or
 * oversized heads, ambiguous framing, path spellings servers disagree on, method- and path-override headers, caller-sent
 * {@code Impersonate-*} headers, upgrades to protocols other than WebSocket and SPDY/3.1, missing or foreign
 * credentials.
 */
final class ProxyConnection implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(ProxyConnection.class);
    /** Headers that make some servers and frameworks run another method than the one judged. */
    static final Set<String> METHOD_OVERRIDES = Set.of("x-http-method-override", "x-http-method",
            "x-method-override");
    /** Headers that make some servers and frameworks (IIS URL Rewrite, Symfony, Zend) route another path. */
    static final Set<String> PATH_OVERRIDES = Set.of("x-original-url", "x-original-uri", "x-rewrite-url");
    private static final java.util.regex.Pattern HOST = java.util.regex.Pattern.compile("[A-Za-z0-9.\\-:\\[\\]_]*");
    private static final java.util.regex.Pattern QUERY_SEPARATOR = java.util.regex.Pattern.compile("[&;]");
    private static final String[] NO_PAIRS = {};
    private final Socket client;
    private final ProxyServices services;
    /** The handshake budget's place: the clock stops at the first request head, the place is freed once a session
     * opened (or when the connection ends). */
    private final HandshakeGate.Permit handshake;
    private final AtomicBoolean closed = new AtomicBoolean();
    private Optional<CallerSession> session = Optional.empty();
    private Optional<UpstreamLink> upstream = Optional.empty();
    /** The token the open session was opened with (this connection's thread only). */
    private String sessionToken = "";

    ProxyConnection(Socket client, ProxyServices services, HandshakeGate.Permit handshake) {
        this.client = client;
        this.services = services;
        this.handshake = handshake;
    }

    @Override
    public void run() {
        String reason = "client closed the connection";
        try (client) {
            InputStream in = new BufferedInput(client.getInputStream(), 16 * 1024);
            OutputStream out = new BufferedOutputStream(client.getOutputStream(), 16 * 1024);
            HeadReader reader = new HeadReader(in, RequestTarget.MAX_TARGET + 64, services.settings().maxHeadBytes());
            while (!closed.get()) {
                client.setSoTimeout((int) services.settings().idleTimeout().toMillis());
                Optional<HeadReader.RawHead> raw;
                try {
                    raw = reader.read();
                } catch (HttpProtocolException e) {
                    new Refusal(e.status(), e.getMessage()).write(out, false, true);
                    reason = "malformed request: " + e.getMessage();
                    break;
                }
                if (raw.isEmpty()) {
                    break;
                }
                handshake.clientDone();
                RequestHead head;
                try {
                    head = RequestHead.decode(raw.get());
                } catch (HttpProtocolException e) {
                    new Refusal(e.status(), e.getMessage()).write(out, false, true);
                    reason = "malformed request: " + e.getMessage();
                    break;
                }
                if (!exchange(head, in, out)) {
                    break;
                }
            }
        } catch (SocketTimeoutException e) {
            reason = "client idle";
        } catch (java.net.SocketException e) {
            reason = handshake.expired() ? "no request within the handshake deadline" : "connection error: "
                    + e.getMessage();
        } catch (EOFException | SSLException e) {
            reason = "client closed the connection";
        } catch (IOException e) {
            reason = "connection error: " + e.getMessage();
        } catch (RuntimeException e) {
            LOG.error("proxy connection from {} failed", client.getRemoteSocketAddress(), e);
            reason = "internal error";
        } finally {
            handshake.close();
            upstream.ifPresent(UpstreamLink::close);
            String why = reason;
            session.ifPresent(s -> s.end(why));
        }
    }

    /** Ends the connection from another thread (the core ended the session). */
    void close() {
        closed.set(true);
        try {
            client.close();
        } catch (IOException e) {
            // closing
        }
        upstream.ifPresent(UpstreamLink::close);
    }

    /** Serves one request; false when the connection must close afterwards. */
    private boolean exchange(RequestHead head, InputStream in, OutputStream out) throws IOException {
        boolean kubeWording = head.target().startsWith("/k8s/");
        Prepared prepared;
        try {
            prepared = prepare(head);
        } catch (HttpProtocolException e) {
            new Refusal(e.status(), e.getMessage()).write(out, kubeWording, true);
            return false;
        }
        kubeWording = prepared.route().kubernetesPrefix();
        CallerSession caller;
        try {
            caller = sessionFor(prepared.route(), prepared.token());
        } catch (ProxyGate.RefusedException e) {
            new Refusal(e.status(), e.getMessage()).write(out, kubeWording, true);
            return false;
        }
        HttpTarget target = caller.target();
        boolean kube = target.kubernetes();
        if (prepared.route().family().isPresent() && kube != prepared.route().kubernetesPrefix()) {
            new Refusal(404, "no route: connection \"" + target.name() + "\" is of type " + target.protocol()
                    + "; use /" + (kube ? "k8s" : "http") + "/" + target.name() + "/...").write(out, kubeWording, true);
            return false;
        }
        return new Forwarder(services, caller, target, new Forwarder.Links() {
            @Override
            public UpstreamLink link(CallerSession owner, boolean fresh) throws IOException {
                return ProxyConnection.this.link(owner, fresh);
            }

            @Override
            public void drop() {
                dropUpstream();
            }

            @Override
            public void unboundedClient() throws IOException {
                client.setSoTimeout(0);
            }

            @Override
            public Socket clientSocket() {
                return client;
            }
        }).serve(head, prepared, in, out);
    }

    /** A request that passed the checks that need no session. */
    record Prepared(Route route, String token, String host, boolean upgrade, boolean closeAfter) {
    }

    private Prepared prepare(RequestHead head) {
        Headers h = head.headers();
        List<String> hosts = h.all("Host");
        if (hosts.size() > 1 || hosts.isEmpty() && head.version().equals("HTTP/1.1")) {
            throw new HttpProtocolException(400, "exactly one Host header is required");
        }
        String host = hosts.isEmpty() ? "" : hosts.getFirst();
        if (!HOST.matcher(host).matches()) {
            throw new HttpProtocolException(400, "malformed Host header");
        }
        RequestTarget target = RequestTarget.parse(head.target());
        Route route = Route.resolve(target, host, services.settings().hostSuffix());
        for (String pair : route.query().isEmpty() ? NO_PAIRS : QUERY_SEPARATOR.split(route.query())) {
            String key = pair.contains("=") ? pair.substring(0, pair.indexOf('=')) : pair;
            try {
                key = java.net.URLDecoder.decode(key, java.nio.charset.StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new HttpProtocolException(400, "malformed percent-encoding in the query string");
            }
            if (key.strip().equalsIgnoreCase("_method")) {
                // Rails, Laravel and others run the method this names: Sluice judges the request line's.
                throw new HttpProtocolException(400, "method override in the query (_method) is refused: Sluice "
                        + "judges the request line's method");
            }
        }
        for (var field : h.fields()) {
            String name = field.name().toLowerCase(Locale.ROOT);
            if (METHOD_OVERRIDES.contains(name)) {
                throw new HttpProtocolException(400, "method override headers (" + field.name() + ") are refused: "
                        + "Sluice judges the request line's method");
            }
            if (PATH_OVERRIDES.contains(name)) {
                throw new HttpProtocolException(400, "path override headers (" + field.name() + ") are refused: "
                        + "Sluice judges the request line's path");
            }
            if (name.startsWith("impersonate-")) {
                throw new HttpProtocolException(403, "caller-sent impersonation headers (" + field.name()
                        + ") are refused");
            }
        }
        boolean upgrade = h.listContains("Connection", "upgrade") && h.has("Upgrade");
        if (h.all("Upgrade").size() > 1) {
            throw new HttpProtocolException(400, "more than one Upgrade header");
        }
        if (upgrade) {
            String protocol = h.first("Upgrade").orElse("").strip();
            if (!protocol.equalsIgnoreCase("websocket") && !protocol.equals("SPDY/3.1")) {
                throw new HttpProtocolException(400, "upgrade to an unknown protocol refused (only websocket and "
                        + "SPDY/3.1)");
            }
        }
        List<String> authorization = h.all("Authorization");
        if (authorization.size() != 1) {
            throw new HttpProtocolException(401, authorization.isEmpty()
                    ? "a bearer token is required (Authorization: Bearer <OIDC token>)"
                    : "more than one Authorization header");
        }
        String value = authorization.getFirst();
        if (value.length() < 8 || !value.substring(0, 7).equalsIgnoreCase("bearer ")) {
            throw new HttpProtocolException(401, "a bearer token is required (Authorization: Bearer <OIDC token>)");
        }
        String token = value.substring(7).strip();
        if (token.isEmpty()) {
            throw new HttpProtocolException(401, "empty bearer token");
        }
        boolean closeAfter = h.listContains("Connection", "close")
                || head.version().equals("HTTP/1.0") && !h.listContains("Connection", "keep-alive");
        return new Prepared(route, token, host, upgrade, closeAfter);
    }

    private CallerSession sessionFor(Route route, String token) throws IOException, ProxyGate.RefusedException {
        String connection = route.connection();
        Optional<String> protocol = route.family().map(f -> f.equals("k8s") ? "kubernetes" : "http");
        if (session.isPresent() && token.equals(sessionToken) && session.get().connection().equals(connection)) {
            return session.get(); // the same token as the last request: no digest per request
        }
        String digest = digest(token);
        if (session.isPresent()) {
            CallerSession current = session.get();
            if (current.connection().equals(connection) && current.tokenDigest().equals(digest)) {
                sessionToken = token;
                return current;
            }
            current.end("the client switched to another connection or token");
            session = Optional.empty();
            upstream.ifPresent(UpstreamLink::close);
            upstream = Optional.empty();
        }
        CallerSession opened = services.gate().open(connection, protocol, token,
                String.valueOf(client.getInetAddress().getHostAddress()), this::close);
        session = Optional.of(opened);
        sessionToken = token;
        handshake.close(); // authenticated: its place in the handshake budget goes back
        return opened;
    }

    /** The upstream connection for the session: the open one, or a new one through the dialer. */
    private UpstreamLink link(CallerSession caller, boolean fresh) throws IOException {
        if (!fresh && upstream.isPresent() && upstream.get().isOpen()
                && upstream.get().target().equals(caller.target().name())) {
            return upstream.get();
        }
        upstream.ifPresent(UpstreamLink::close);
        upstream = Optional.empty();
        Socket socket = services.dialer().dial(caller);
        UpstreamLink result = UpstreamLink.open(caller.target(), socket, services.tls());
        upstream = Optional.of(result);
        return result;
    }

    /** Drops the kept upstream connection (it is out of step or closed). */
    void dropUpstream() {
        upstream.ifPresent(UpstreamLink::close);
        upstream = Optional.empty();
    }

    static String digest(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

}
