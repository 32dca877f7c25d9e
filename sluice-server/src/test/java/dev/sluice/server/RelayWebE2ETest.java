package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.slf4j.LoggerFactory;

import dev.sluice.core.audit.AuditQuery;
import dev.sluice.core.audit.AuditRecord;
import dev.sluice.relay.RelayStatus;
import dev.sluice.testing.Cli;
import dev.sluice.testing.Eventually;
import dev.sluice.testing.FreePort;

/**
 * An {@code http} connection {@code via} a relay, end to end on real network separation ({@link RelayNetwork}): the
 * target is an HTTPS service (Python's http.server, its own CA) on the loopback of the relay's namespace, which the
 * gateway cannot route to; it answers 200 only to {@code Authorization: Bearer <token>}, a token made by a shell into
 * a file only the relay's config references. curl through the gateway reaches it, the relay injecting the token,
 * setting {@code Host} and the base path, and re-chunking a streamed body; a connection the relay does not name is
 * refused by the relay; the token is nowhere in the gateway's config, data dir or logs.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RelayWebE2ETest {
    private static final ListAppender<ILoggingEvent> LOGS = new ListAppender<>();
    private static final String SERVER = """
            import http.server, json, ssl, sys
            port, cert, key, token_file, log = sys.argv[1:6]
            token = open(token_file).read().strip()
            class Handler(http.server.BaseHTTPRequestHandler):
                protocol_version = "HTTP/1.1"
                def do_GET(self):
                    self.answer(b"")
                def do_POST(self):
                    body = b""
                    if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                        while True:
                            size = int(self.rfile.readline().strip(), 16)
                            if size == 0:
                                while self.rfile.readline() not in (b"\\r\\n", b""):
                                    pass
                                break
                            body += self.rfile.read(size)
                            self.rfile.readline()
                    else:
                        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                    self.answer(body)
                def answer(self, body):
                    ok = self.headers.get("Authorization") == "Bearer " + token
                    seen = {"method": self.command, "path": self.path, "host": self.headers.get("Host"),
                            "authorized": ok, "received": len(body),
                            "chunked": self.headers.get("Transfer-Encoding", "")}
                    with open(log, "a") as f:
                        f.write(json.dumps(seen) + "\\n")
                    out = json.dumps(seen).encode()
                    self.send_response(200 if ok else 401)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(out)))
                    self.end_headers()
                    self.wfile.write(out)
                def log_message(self, *args):
                    pass
            server = http.server.ThreadingHTTPServer(("127.0.0.1", int(port)), Handler)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(cert, key)
            server.socket = context.wrap_socket(server.socket, server_side=True)
            print("listening", flush=True)
            server.serve_forever()
            """;
    private static RelayNetwork network;
    private static ProxyHarness sluice;
    private static Path relayConfig;
    private static Path seenLog;
    private static int targetPort;

    @BeforeAll
    static void start() throws Exception {
        LOGS.start();
        ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).addAppender(LOGS);
        network = RelayNetwork.create();
        Path dir = network.dir();
        targetPort = FreePort.find();
        seenLog = dir.resolve("seen.jsonl");
        Files.writeString(dir.resolve("server.py"), SERVER);
        // the target's certificate (its own CA) and the token: made by a shell, never read by this JVM until the end
        Cli.Result made = Cli.run(Map.of(), Duration.ofSeconds(60), "sh", "-c", "cd '" + dir + "' && umask 077 && "
                + "openssl rand -hex 24 > target-token && openssl req -x509 -newkey ec -pkeyopt "
                + "ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 "
                + "-keyout target.key -out target.crt 2>/dev/null && chmod 644 target.crt");
        assertThat(made.exitCode()).as(made.stderr()).isZero();
        Process target = network.startInNamespace(dir.resolve("server.log"), "python3",
                dir.resolve("server.py").toString(), String.valueOf(targetPort), dir.resolve("target.crt").toString(),
                dir.resolve("target.key").toString(), dir.resolve("target-token").toString(), seenLog.toString());
        sluice = ProxyHarness.start(oidc -> """
                https:
                  host-suffix: sluice.test
                relays:
                  listen: %s:0
                  heartbeat: 500ms
                  open-timeout: 15s
                connections:
                  - name: billing
                    type: http
                    via: dc-web
                    allow: {groups: [agents]}
                  - name: payroll
                    type: http
                    via: dc-web
                    allow: {groups: [agents]}
                """.formatted(network.gatewayHost()));
        String token = InProcessCli.run("relay",
                "token", "--config", sluice.dir().resolve("sluice.yaml").toString(), "--group",
                "dc-web").strip();
        relayConfig = dir.resolve("web-relay.yaml");
        Files.writeString(relayConfig, """
                gateway: https://%s:%d
                group: dc-web
                data-dir: ./web-relay-data
                heartbeat: 500ms
                targets:
                  - connection: billing
                    type: http
                    address: https://127.0.0.1:%d/base
                    ca-file: %s
                    headers:
                      Authorization: "Bearer ${file:%s}"
                """.formatted(network.gatewayHost(), sluice.gateway().relayPort(), targetPort,
                dir.resolve("target.crt"), dir.resolve("target-token")));
        network.startRelay(relayConfig, Optional.of(token));
        try {
            Eventually.await(Duration.ofSeconds(60), () -> assertThat(sluice.gateway().relays())
                    .filteredOn(RelayStatus::healthy).hasSize(1));
            Eventually.await(Duration.ofSeconds(30), () -> assertThat(dir.resolve("server.log")).content()
                    .contains("listening"));
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\nrelay:\n" + network.relayLog(relayConfig) + "\ntarget:\n"
                    + (Files.exists(dir.resolve("server.log")) ? Files.readString(dir.resolve("server.log")) : "")
                    + (target.isAlive() ? "" : " (target exited " + target.exitValue() + ")"), e);
        }
    }

    @AfterAll
    static void stop() {
        ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).detachAppender(LOGS);
        if (sluice != null) {
            sluice.close();
        }
        if (network != null) {
            network.close();
        }
    }

    private static List<String> seen() throws IOException {
        return Files.exists(seenLog) ? Files.readAllLines(seenLog) : List.of();
    }

    @Test
    @Order(1)
    void curlThroughAViaConnectionReachesTheTargetWithTheRelaysCredential() throws Exception {
        if (network.isolated()) {
            assertThatRefused(targetPort);
        }
        String token = sluice.token("agent-1", "agents");

        Cli.Result result = sluice.curl("-w", "\n%{http_code}", "-H", "Authorization: Bearer " + token,
                sluice.url() + "/http/billing/v1/invoices?page=2");

        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stdout()).contains("\"authorized\": true").contains("\"path\": \"/base/v1/invoices?page=2\"")
                .contains("\"host\": \"127.0.0.1:" + targetPort + "\"").endsWith("\n200");
        assertThat(seen()).hasSize(1).first().asString().contains("\"authorized\": true")
                .doesNotContain(token);
        List<AuditRecord> trail = sluice.audit(AuditQuery.all().withSubject("agent-1"));
        assertThat(trail).anySatisfy(r -> {
            assertThat(r.kind()).isEqualTo("command");
            assertThat(r.statement()).isEqualTo("GET /v1/invoices?page=2");
            assertThat(r.verdict()).isEqualTo("allow");
        });
    }

    /** The gateway's namespace has no route to the target: its port on this loopback is closed. */
    private static void assertThatRefused(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
            throw new AssertionError("the gateway's namespace reached the target's port " + port);
        } catch (IOException e) {
            // refused: the target is in the relay's namespace only
        }
    }

    @Test
    @Order(2)
    void aStreamedChunkedBodyAndKeptAliveRequestsGoThroughTheRelay() throws Exception {
        Path body = network.dir().resolve("upload.bin");
        Files.write(body, new byte[200_000]);
        String token = sluice.token("agent-2", "agents");
        int before = seen().size();

        Cli.Result result = sluice.curl("-w", "\n%{http_code}", "-H", "Authorization: Bearer " + token,
                "-H", "Transfer-Encoding: chunked", "--data-binary", "@" + body,
                sluice.url() + "/http/billing/upload", "--next", "--cacert", sluice.caFile().toString(), "-H",
                "Authorization: Bearer " + token, sluice.url() + "/http/billing/after");

        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stdout()).contains("\"received\": 200000").contains("\"chunked\": \"chunked\"")
                .contains("\"path\": \"/base/after\"");
        List<String> lines = seen().subList(before, seen().size());
        assertThat(lines).hasSize(2).allSatisfy(l -> assertThat(l).contains("\"authorized\": true"));
    }

    @Test
    @Order(3)
    void aConnectionTheRelaysConfigDoesNotNameIsRefusedByTheRelay() throws Exception {
        int before = seen().size();

        Cli.Result result = sluice.curl("-w", "\n%{http_code}", "-H", "Authorization: Bearer "
                + sluice.token("agent-3", "agents"), sluice.url() + "/http/payroll/v1/salaries");

        assertThat(result.stdout()).contains("does not serve connection").doesNotEndWith("\n200");
        assertThat(seen()).hasSize(before);
        assertThat(network.relayLog(relayConfig)).contains("refused to open connection \"payroll\"");
    }

    @Test
    @Order(4)
    void theTargetTokenIsNowhereOnTheGatewaysSide() throws Exception {
        List<ILoggingEvent> events = CapturedLogs.events(LOGS);
        String logs = CapturedLogs.text(events);
        assertThat(events).as("the gateway's logs were captured").isNotEmpty();

        // from here on this JVM knows the token
        String secret = Files.readString(network.dir().resolve("target-token")).strip();
        assertThat(secret).hasSizeGreaterThan(20);
        assertThat(Files.readString(sluice.dir().resolve("sluice.yaml"))).doesNotContain(secret);
        try (Stream<Path> files = Files.walk(sluice.dir().resolve("data"))) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                assertThat(new String(Files.readAllBytes(file), java.nio.charset.StandardCharsets.ISO_8859_1))
                        .as(file.toString()).doesNotContain(secret);
            }
        }
        assertThat(logs).doesNotContain(secret);
        assertThat(Files.readString(relayConfig)).as("the relay's config references the token file")
                .doesNotContain(secret);
    }
}
