package dev.sluice.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;

/**
 * A stand-in Kubernetes API server for tests: no kube-apiserver can be had on this machine (no package, and the
 * envtest downloads fail), so this is fabric8's {@code kubernetes-server-mock} in CRUD mode (objects are stored,
 * listed, patched and deleted like a real server does) with a small responder for what the mock lacks and real
 * {@code kubectl} needs: discovery ({@code /version}, {@code /api}, {@code /apis}, the resource lists) and
 * server-side printing ({@code as=Table}, rows carrying the whole object, as {@code includeObject=Object} does), and
 * finite watches (the objects as ADDED events, then the stream ends). It records every request it received, with
 * its headers, so tests can assert what the upstream saw. Plain HTTP on a loopback port. It cannot serve exec,
 * attach, port-forward or protobuf.
 */
public final class KubeApiServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, String> DISCOVERY = Map.of("/version", "version.json", "/api", "api.json",
            "/apis", "apis.json", "/api/v1", "api-v1.json", "/apis/apps/v1", "apis-apps-v1.json",
            "/apis/rbac.authorization.k8s.io/v1", "apis-rbac-v1.json");

    /** One request as the server received it. */
    public record Seen(String method, String path, Map<String, List<String>> headers) {
        /** The first value of a header, any case. */
        public Optional<String> header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .flatMap(e -> e.getValue().stream()).findFirst();
        }

        public boolean hasHeaderStartingWith(String prefix) {
            return headers.keySet().stream().anyMatch(k -> k.toLowerCase(java.util.Locale.ROOT)
                    .startsWith(prefix.toLowerCase(java.util.Locale.ROOT)));
        }
    }

    private final KubernetesMockServer server;
    private final ConcurrentLinkedQueue<Seen> seen;

    private KubeApiServer(KubernetesMockServer server, ConcurrentLinkedQueue<Seen> seen) {
        this.server = server;
        this.seen = seen;
    }

    public static KubeApiServer start() {
        ConcurrentLinkedQueue<Seen> seen = new ConcurrentLinkedQueue<>();
        KubernetesCrudDispatcher crud = new KubernetesCrudDispatcher(List.of());
        KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new Responder(crud, seen), false);
        server.init(InetAddress.getLoopbackAddress(), 0);
        return new KubeApiServer(server, seen);
    }

    /** {@code http://127.0.0.1:PORT}. */
    public String url() {
        return "http://127.0.0.1:" + server.getPort();
    }

    /** Every request received so far, oldest first. */
    public List<Seen> requests() {
        return List.copyOf(seen);
    }

    public void forgetRequests() {
        seen.clear();
    }

    /** A fabric8 client straight to the server (no Sluice), to seed and inspect objects. */
    public NamespacedKubernetesClient client() {
        return server.createClient();
    }

    @Override
    public void close() {
        server.destroy();
    }

    /** Discovery, tables and finite watches in front of the CRUD dispatcher. */
    private static final class Responder extends Dispatcher {
        private final KubernetesCrudDispatcher crud;
        private final ConcurrentLinkedQueue<Seen> seen;

        Responder(KubernetesCrudDispatcher crud, ConcurrentLinkedQueue<Seen> seen) {
            this.crud = crud;
            this.seen = seen;
        }

        @Override
        public MockResponse dispatch(RecordedRequest request) {
            // The body is not kept: reading it here would consume it before the CRUD dispatcher sees it.
            seen.add(new Seen(request.getMethod(), request.getPath(), request.getHeaders().toMultimap()));
            String path = request.getPath();
            String bare = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
            if (DISCOVERY.containsKey(bare) && request.getMethod().equals("GET")) {
                return json(200, resource(DISCOVERY.get(bare)));
            }
            if (request.getMethod().equals("GET") && (path.contains("watch=true") || path.contains("watch=1"))) {
                return watch(request, path);
            }
            MockResponse response = crud.dispatch(request);
            String accept = Optional.ofNullable(request.getHeader("Accept")).orElse("");
            if (request.getMethod().equals("GET") && accept.contains("as=Table") && response.code() == 200) {
                return table(response, bare);
            }
            return response;
        }

        private MockResponse watch(RecordedRequest request, String path) {
            String listPath = path.replaceAll("([?&])watch=(true|1)&?", "$1").replaceAll("[?&]$", "");
            MockResponse response = crud.handleGet(listPath);
            try {
                JsonNode items = JSON.readTree(response.getBody().readUtf8()).path("items");
                StringBuilder events = new StringBuilder();
                for (JsonNode item : items) {
                    ObjectNode event = JSON.createObjectNode();
                    event.put("type", "ADDED");
                    event.set("object", item);
                    events.append(JSON.writeValueAsString(event)).append('\n');
                }
                return new MockResponse().setResponseCode(200).setHeader("Content-Type", "application/json")
                        .setBody(events.toString());
            } catch (IOException e) {
                return json(500, "{}");
            }
        }

        private MockResponse table(MockResponse list, String path) {
            try {
                JsonNode body = JSON.readTree(list.getBody().readUtf8());
                String kind = body.path("kind").asText("");
                List<JsonNode> items = new ArrayList<>();
                if (body.has("items")) {
                    body.path("items").forEach(items::add);
                    kind = kind.endsWith("List") ? kind.substring(0, kind.length() - 4) : kind;
                } else {
                    items.add(body);
                }
                boolean secrets = path.contains("/secrets");
                ObjectNode table = JSON.createObjectNode();
                table.put("kind", "Table");
                table.put("apiVersion", "meta.k8s.io/v1");
                table.putObject("metadata").put("resourceVersion", body.path("metadata").path("resourceVersion")
                        .asText("1"));
                ArrayNode columns = table.putArray("columnDefinitions");
                columns.addObject().put("name", "Name").put("type", "string").put("format", "name");
                if (secrets) {
                    columns.addObject().put("name", "Type").put("type", "string").put("format", "");
                    columns.addObject().put("name", "Data").put("type", "string").put("format", "");
                }
                ArrayNode rows = table.putArray("rows");
                for (JsonNode item : items) {
                    ObjectNode row = rows.addObject();
                    ArrayNode cells = row.putArray("cells");
                    cells.add(item.path("metadata").path("name").asText());
                    if (secrets) {
                        cells.add(item.path("type").asText("Opaque"));
                        cells.add(Integer.toString(item.path("data").size()));
                    }
                    ObjectNode object = item.deepCopy();
                    if (!kind.isEmpty() && !object.has("kind")) {
                        object.put("kind", kind);
                        object.put("apiVersion", body.path("apiVersion").asText("v1"));
                    }
                    row.set("object", object);
                }
                return json(200, JSON.writeValueAsString(table));
            } catch (IOException e) {
                return json(500, "{}");
            }
        }

        private static MockResponse json(int code, String body) {
            return new MockResponse().setResponseCode(code).setHeader("Content-Type", "application/json")
                    .setBody(body);
        }

        private static String resource(String name) {
            try (InputStream in = KubeApiServer.class.getResourceAsStream("/kube/" + name)) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException | NullPointerException e) {
                throw new FixtureException("missing test resource kube/" + name, e);
            }
        }
    }
}
