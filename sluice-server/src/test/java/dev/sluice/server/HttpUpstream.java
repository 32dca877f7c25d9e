package dev.sluice.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A real HTTP service for the tests (the JDK's HttpServer on a loopback port), recording what it received:
 * {@code /v1/invoices} (JSON with an e-mail and a card number), {@code /admin/*}, {@code /echo} (the request's
 * headers as text), {@code /download?size=N} (N deterministic bytes, streamed), {@code /upload} and
 * {@code /transfers} (answer the body's length and SHA-256), {@code /sse} (three server-sent events, 300 ms apart).
 */
final class HttpUpstream implements AutoCloseable {
    /** One request as the service received it. */
    record Seen(String method, String uri, Map<String, List<String>> headers) {
        boolean hasHeader(String name) {
            return headers.keySet().stream().anyMatch(k -> k.equalsIgnoreCase(name));
        }

        String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .flatMap(e -> e.getValue().stream()).findFirst().orElse("");
        }
    }

    static final String INVOICES = "{\"invoices\":[{\"id\":1,\"email\":\"ada@example.com\",\"card\":"
            + "\"4242 4242 4242 4242\",\"amount\":5,\"note\":\"ok\"}]}";
    private final HttpServer server;
    private final ConcurrentLinkedQueue<Seen> seen = new ConcurrentLinkedQueue<>();

    private HttpUpstream(HttpServer server) {
        this.server = server;
    }

    static HttpUpstream start() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        HttpUpstream result = new HttpUpstream(server);
        server.createContext("/", result::handle);
        server.start();
        return result;
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    List<Seen> requests() {
        return List.copyOf(seen);
    }

    void forget() {
        seen.clear();
    }

    private void handle(HttpExchange exchange) throws IOException {
        seen.add(new Seen(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath()
                + (exchange.getRequestURI().getRawQuery() == null ? "" : "?" + exchange.getRequestURI().getRawQuery()),
                Map.copyOf(exchange.getRequestHeaders())));
        String path = exchange.getRequestURI().getPath();
        try (exchange) {
            if (path.equals("/v1/invoices")) {
                send(exchange, 200, "application/json", INVOICES);
            } else if (path.startsWith("/admin")) {
                send(exchange, 200, "text/plain", "admin area\n");
            } else if (path.equals("/echo")) {
                StringBuilder text = new StringBuilder();
                exchange.getRequestHeaders().forEach((k, v) -> text.append(k).append(": ").append(v).append('\n'));
                send(exchange, 200, "text/plain", text.toString());
            } else if (path.equals("/download")) {
                long size = Long.parseLong(exchange.getRequestURI().getQuery().replace("size=", ""));
                exchange.getResponseHeaders().add("Content-Type", "application/octet-stream");
                exchange.sendResponseHeaders(200, size);
                try (OutputStream out = exchange.getResponseBody()) {
                    Pattern.write(out, size);
                }
            } else if (path.equals("/upload") || path.equals("/transfers")) {
                MessageDigest digest = sha256();
                long total = 0;
                byte[] buffer = new byte[64 * 1024];
                try (InputStream in = exchange.getRequestBody()) {
                    int n;
                    while ((n = in.read(buffer)) >= 0) {
                        digest.update(buffer, 0, n);
                        total += n;
                    }
                }
                send(exchange, 200, "text/plain", total + " " + HexFormat.of().formatHex(digest.digest()));
            } else if (path.equals("/sse")) {
                exchange.getResponseHeaders().add("Content-Type", "text/event-stream");
                exchange.sendResponseHeaders(200, 0);
                try (OutputStream out = exchange.getResponseBody()) {
                    for (int i = 1; i <= 3; i++) {
                        out.write(("data: event " + i + " for ada@example.com\n\n").getBytes(StandardCharsets.UTF_8));
                        out.flush();
                        Thread.sleep(300);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            } else {
                send(exchange, 404, "text/plain", "not found\n");
            }
        }
    }

    private static void send(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", type);
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }

    /** Deterministic bytes: both sides can checksum a large body without storing it. */
    static final class Pattern {
        private Pattern() {
        }

        static void write(OutputStream out, long size) throws IOException {
            byte[] block = block();
            long left = size;
            while (left > 0) {
                int n = (int) Math.min(block.length, left);
                out.write(block, 0, n);
                left -= n;
            }
        }

        static String sha256Of(long size) {
            MessageDigest digest = sha256();
            byte[] block = block();
            long left = size;
            while (left > 0) {
                int n = (int) Math.min(block.length, left);
                digest.update(block, 0, n);
                left -= n;
            }
            return HexFormat.of().formatHex(digest.digest());
        }

        static byte[] block() {
            byte[] result = new byte[64 * 1024];
            long x = 0x9E3779B97F4A7C15L;
            for (int i = 0; i < result.length; i++) {
                x ^= x << 13;
                x ^= x >>> 7;
                x ^= x << 17;
                result[i] = (byte) x;
            }
            return result;
        }
    }
}
