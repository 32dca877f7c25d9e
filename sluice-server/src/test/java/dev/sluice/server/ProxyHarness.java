package dev.sluice.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

import dev.sluice.core.audit.AuditQuery;
import dev.sluice.core.audit.AuditRecord;
import dev.sluice.testing.Cli;
import dev.sluice.testing.OidcProvider;

/**
 * A whole Sluice serving the HTTPS proxy ({@code listen.https}) for end-to-end tests of Kubernetes and HTTP
 * connections: a real OIDC provider (mock-oauth2-server, issuer id {@code default}, audience {@code sluice}) and a
 * {@link Gateway} started from a config file written here (PostgreSQL off; its self-signed certificate, persisted in
 * the data dir, is the CA clients are given). Share one per test class.
 */
final class ProxyHarness implements AutoCloseable {
    static final String ISSUER_ID = "default";
    static final String AUDIENCE = "sluice";

    private final OidcProvider oidc;
    private final Path dir;
    private Gateway gateway;

    private ProxyHarness(OidcProvider oidc, Path dir) {
        this.oidc = oidc;
        this.dir = dir;
    }

    /** Starts Sluice with {@code extraYaml} (given the OIDC provider) appended: connections, policies, masking. */
    static ProxyHarness start(Function<OidcProvider, String> extraYaml) {
        OidcProvider oidc = SharedParts.oidc();
        try {
            ProxyHarness result = new ProxyHarness(oidc, Files.createTempDirectory("sluice-proxy-e2e-"));
            Path config = result.dir.resolve("sluice.yaml");
            Files.writeString(config, """
                    listen:
                      postgres: "off"
                      http: 127.0.0.1:0
                      https: 127.0.0.1:0
                    data-dir: ./data
                    identity:
                      oidc:
                        - issuer: %s
                          audience: sluice
                          groups-claim: groups
                          session-grace: 1s
                    """.formatted(oidc.issuer(ISSUER_ID)) + extraYaml.apply(oidc));
            result.gateway = Gateway.start(config, Clock.systemUTC());
            result.warmUp();
            return result;
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot start the proxy harness", e);
        }
    }

    /**
     * Verifies one token before the tests run, retrying: the issuer's discovery and keys are fetched on first use,
     * and on a loaded machine that first fetch can time out (the caller would get a 401 that says so).
     */
    private void warmUp() {
        String token = token("warm-up");
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try {
                gateway.verifier().verify(token);
                return;
            } catch (RuntimeException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
            }
        }
    }

    Gateway gateway() {
        return gateway;
    }

    OidcProvider oidc() {
        return oidc;
    }

    Path dir() {
        return dir;
    }

    int port() {
        return gateway.port("https");
    }

    /** {@code https://127.0.0.1:PORT}. */
    String url() {
        return "https://127.0.0.1:" + port();
    }

    /** The listener's self-signed certificate: the CA file for clients. */
    Path caFile() {
        return dir.resolve("data/tls/server.crt");
    }

    /** Sends raw bytes over TLS and returns what came back until Sluice closed or went quiet for two seconds. */
    String raw(String request) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(caFile())) {
            trust.setCertificateEntry("s", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port())) {
            socket.setSoTimeout(2000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            try {
                int n;
                while ((n = socket.getInputStream().read(buffer)) >= 0) {
                    received.write(buffer, 0, n);
                }
            } catch (SocketTimeoutException e) {
                // quiet: return what came
            }
            return received.toString(StandardCharsets.ISO_8859_1);
        }
    }

    String token(String subject, String... groups) {
        return oidc.userToken(ISSUER_ID, subject, AUDIENCE, List.of(groups), Duration.ofMinutes(30));
    }

    /** Runs curl against Sluice (its CA trusted), adding {@code args}; {@code -sS} and a 30 s cap are set. */
    Cli.Result curl(String... args) {
        List<String> command = new ArrayList<>(List.of("curl", "-sS", "--max-time", "30", "--cacert",
                caFile().toString()));
        command.addAll(List.of(args));
        return Cli.run(Map.of(), Duration.ofSeconds(60), command.toArray(String[]::new));
    }

    /** The trail as of now. */
    List<AuditRecord> audit(AuditQuery query) {
        gateway.audit().flush();
        return gateway.audit().query(query);
    }

    @Override
    public void close() {
        if (gateway != null) {
            gateway.close();
        }
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // temp dir
        }
    }
}
