package dev.sluice.server;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A raw-socket WebSocket server (RFC 6455) standing in for what the Kubernetes mock cannot serve: kubectl exec over
 * the {@code v5.channel.k8s.io} subprotocol (a Running pod for kubectl's GET, then an exec stream that writes
 * {@code exec:<command>} on stdout, echoes what stdin sends, and reports Success on the status channel) and a plain
 * WebSocket echo ({@code /ws/echo}). Records request targets and the subprotocols offered.
 */
final class WebSocketStandIn implements AutoCloseable {
    private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    /** Discovery documents, the same KubeApiServer serves (kubectl exec resolves "pods" first). */
    private static final Map<String, String> DISCOVERY = Map.of("/version", "version.json", "/api", "api.json",
            "/apis", "apis.json", "/api/v1", "api-v1.json", "/apis/apps/v1", "apis-apps-v1.json",
            "/apis/rbac.authorization.k8s.io/v1", "apis-rbac-v1.json");
    private final ServerSocket server;
    final ConcurrentLinkedQueue<String> targets = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<Map<String, String>> heads = new ConcurrentLinkedQueue<>();

    private WebSocketStandIn(ServerSocket server) {
        this.server = server;
    }

    static WebSocketStandIn start() throws IOException {
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        WebSocketStandIn result = new WebSocketStandIn(server);
        Thread.ofVirtual().start(result::accept);
        return result;
    }

    String url() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                Thread.ofVirtual().start(() -> serve(socket));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            InputStream in = new BufferedInputStream(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            while (true) {
                String line = line(in);
                if (line == null) {
                    return;
                }
                String target = line.split(" ")[1];
                Map<String, String> headers = new LinkedHashMap<>();
                for (String h = line(in); h != null && !h.isEmpty(); h = line(in)) {
                    int colon = h.indexOf(':');
                    headers.put(h.substring(0, colon).toLowerCase(Locale.ROOT), h.substring(colon + 1).strip());
                }
                targets.add(target);
                heads.add(headers);
                if (!headers.containsKey("sec-websocket-key")) {
                    String path = target.contains("?") ? target.substring(0, target.indexOf('?')) : target;
                    String pod = "{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"web\",\"namespace\":"
                            + "\"default\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"x\"}]},\"status\":"
                            + "{\"phase\":\"Running\"}}";
                    String json = path.startsWith("/api/v1/namespaces/default/pods/") ? pod
                            : DISCOVERY.containsKey(path) ? resource(DISCOVERY.get(path)) : "";
                    byte[] body = json.getBytes(StandardCharsets.UTF_8);
                    out.write(("HTTP/1.1 " + (json.isEmpty() ? "404 Not Found" : "200 OK")
                            + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length
                            + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.write(body);
                    out.flush();
                    continue;
                }
                String accept = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-1")
                        .digest((headers.get("sec-websocket-key") + GUID).getBytes(StandardCharsets.US_ASCII)));
                boolean exec = target.contains("/exec");
                String protocol = exec ? "Sec-WebSocket-Protocol: v5.channel.k8s.io\r\n" : "";
                out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        + "Sec-WebSocket-Accept: " + accept + "\r\n" + protocol + "\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.flush();
                if (exec) {
                    socket.setSoTimeout(30_000); // a client that never closes does not hold the thread forever
                    exec(target, in, out);
                } else {
                    echo(in, out);
                }
                return;
            }
        } catch (Exception e) {
            // the client went away
        }
    }

    private static void exec(String target, InputStream in, OutputStream out) throws IOException {
        StringBuilder command = new StringBuilder();
        for (String pair : target.substring(target.indexOf('?') + 1).split("&")) {
            if (pair.startsWith("command=")) {
                command.append(command.isEmpty() ? "" : " ").append(java.net.URLDecoder.decode(pair.substring(8),
                        StandardCharsets.UTF_8));
            }
        }
        frame(out, 2, concat(1, ("exec:" + command + "\n").getBytes(StandardCharsets.UTF_8)));
        if (target.contains("stdin=true")) {
            // Echo stdin on stdout until the client closes stdin (v5: a close frame for channel 0) or the socket.
            while (true) {
                byte[] payload = read(in);
                if (payload == null || payload.length == 0 || payload[0] == (byte) 255) {
                    break;
                }
                if (payload[0] == 0 && payload.length > 1) {
                    frame(out, 2, concat(1, java.util.Arrays.copyOfRange(payload, 1, payload.length)));
                }
            }
        }
        frame(out, 2, concat(3, "{\"metadata\":{},\"status\":\"Success\"}".getBytes(StandardCharsets.UTF_8)));
        frame(out, 8, new byte[] {0x03, (byte) 0xe8});
        // as a real API server does (RFC 6455 7.1.1), wait for the client's close before closing the socket: closed at
        // once, kubectl sometimes exited 0 without the stdout it had received (kubernetes/kubernetes#124571)
        while (read(in) != null) {
            // frames the client sent before its close
        }
    }

    private static void echo(InputStream in, OutputStream out) throws IOException {
        while (true) {
            byte[] payload = read(in);
            if (payload == null) {
                frame(out, 8, new byte[] {0x03, (byte) 0xe8});
                return;
            }
            frame(out, 1, payload);
        }
    }

    private static byte[] concat(int channel, byte[] data) {
        byte[] result = new byte[data.length + 1];
        result[0] = (byte) channel;
        System.arraycopy(data, 0, result, 1, data.length);
        return result;
    }

    /** One data frame's payload (unmasked), or null at a close frame or the end of the stream. */
    static byte[] read(InputStream in) throws IOException {
        DataInputStream data = new DataInputStream(in);
        int b0 = in.read();
        if (b0 < 0) {
            return null;
        }
        int b1 = data.readUnsignedByte();
        long length = b1 & 0x7f;
        if (length == 126) {
            length = data.readUnsignedShort();
        } else if (length == 127) {
            length = data.readLong();
        }
        byte[] mask = new byte[4];
        if ((b1 & 0x80) != 0) {
            data.readFully(mask);
        }
        byte[] payload = new byte[(int) length];
        data.readFully(payload);
        for (int i = 0; i < payload.length; i++) {
            payload[i] ^= mask[i % 4];
        }
        return (b0 & 0x0f) == 8 ? null : payload;
    }

    /** Writes one unmasked frame with the FIN bit (server to client), or masked when {@code masked}. */
    static void frame(OutputStream out, int opcode, byte[] payload) throws IOException {
        frame(out, opcode, payload, false);
    }

    static void frame(OutputStream out, int opcode, byte[] payload, boolean masked) throws IOException {
        ByteArrayOutputStream frame = new ByteArrayOutputStream();
        frame.write(0x80 | opcode);
        int maskBit = masked ? 0x80 : 0;
        if (payload.length < 126) {
            frame.write(maskBit | payload.length);
        } else {
            frame.write(maskBit | 126);
            frame.write(payload.length >> 8);
            frame.write(payload.length);
        }
        byte[] key = {1, 2, 3, 4};
        if (masked) {
            frame.write(key);
        }
        for (int i = 0; i < payload.length; i++) {
            frame.write(masked ? payload[i] ^ key[i % 4] : payload[i]);
        }
        out.write(frame.toByteArray());
        out.flush();
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = WebSocketStandIn.class.getResourceAsStream("/kube/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder result = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                int last = result.length() - 1;
                return last >= 0 && result.charAt(last) == '\r' ? result.substring(0, last) : result.toString();
            }
            result.append((char) b);
        }
        return result.isEmpty() ? null : result.toString();
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
