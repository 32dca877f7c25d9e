package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.TrustManagerFactory;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.sluice.testing.Cli;

/**
 * TLS from Sluice to the upstream, against a real TLS server (the JDK's HttpsServer) that requires a client
 * certificate: the upstream's certificate is checked against {@code ca-file} (a server signed by another CA is
 * refused, 502, nothing sent), and a {@code kubernetes} connection's {@code client-cert}/{@code client-key} (PEM made by
 * openssl) authenticate Sluice to it. Certificates are made by the real {@code openssl}.
 */
class UpstreamTlsE2ETest {
    private static Path dir;
    private static HttpsServer upstream;
    private static final ConcurrentLinkedQueue<String> clientSubjects = new ConcurrentLinkedQueue<>();
    private static ProxyHarness sluice;

    private static void openssl(String... args) {
        String[] command = new String[args.length + 1];
        command[0] = "openssl";
        System.arraycopy(args, 0, command, 1, args.length);
        Cli.runOrFail(Map.of(), Duration.ofSeconds(30), command);
    }

    private static void selfSigned(String name, String subject) {
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
                "-subj", "/CN=" + subject, "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                "-keyout", dir.resolve(name + ".key").toString(), "-out", dir.resolve(name + ".crt").toString());
    }

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("sluice-upstream-tls-");
        selfSigned("server", "upstream");
        selfSigned("client", "sluice-client");
        selfSigned("other", "someone-else");
        openssl("pkcs12", "-export", "-in", dir.resolve("server.crt").toString(), "-inkey",
                dir.resolve("server.key").toString(), "-out", dir.resolve("server.p12").toString(), "-passout",
                "pass:changeit");
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(dir.resolve("server.p12"))) {
            keys.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keyManagers.init(keys, "changeit".toCharArray());
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(dir.resolve("client.crt"))) {
            trust.setCertificateEntry("client", java.security.cert.CertificateFactory.getInstance("X.509")
                    .generateCertificate(in));
        }
        TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trustManagers.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keyManagers.getKeyManagers(), trustManagers.getTrustManagers(), null);
        upstream = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        upstream.setHttpsConfigurator(new HttpsConfigurator(context) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters parameters = context.getDefaultSSLParameters();
                parameters.setNeedClientAuth(true); // no client certificate, no connection
                params.setSSLParameters(parameters);
            }
        });
        upstream.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        upstream.createContext("/", exchange -> {
            SSLSession session = ((HttpsExchange) exchange).getSSLSession();
            clientSubjects.add(((X509Certificate) session.getPeerCertificates()[0]).getSubjectX500Principal()
                    .getName());
            byte[] body = "{\"kind\":\"APIVersions\",\"versions\":[\"v1\"]}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        upstream.start();
        String url = "https://127.0.0.1:" + upstream.getAddress().getPort();
        sluice = ProxyHarness.start(oidc -> """
                connections:
                  - name: mtls
                    type: kubernetes
                    address: %s
                    ca-file: %s
                    client-cert: %s
                    client-key: %s
                    allow: {groups: [sre]}
                  - name: wrong-ca
                    type: kubernetes
                    address: %s
                    ca-file: %s
                    client-cert: %s
                    client-key: %s
                    allow: {groups: [sre]}
                """.formatted(url, dir.resolve("server.crt"), dir.resolve("client.crt"), dir.resolve("client.key"),
                url, dir.resolve("other.crt"), dir.resolve("client.crt"), dir.resolve("client.key")));
    }

    @AfterAll
    static void stop() throws IOException {
        sluice.close();
        upstream.stop(0);
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void theClientCertificateAuthenticatesSluiceToAVerifiedUpstream() {
        clientSubjects.clear();
        Cli.Result result = sluice.curl("-H", "Authorization: Bearer " + sluice.token("sre-tls", "sre"),
                sluice.url() + "/k8s/mtls/api");
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stdout()).contains("APIVersions");
        assertThat(clientSubjects).containsExactly("CN=sluice-client");
    }

    @Test
    void anUpstreamWhoseCertificateTheCaFileDoesNotSignIsRefused() {
        clientSubjects.clear();
        Cli.Result result = sluice.curl("-w", "\n%{http_code}", "-H", "Authorization: Bearer "
                + sluice.token("sre-tls", "sre"), sluice.url() + "/k8s/wrong-ca/api");
        assertThat(result.stdout()).contains("could not reach connection").endsWith("502");
        assertThat(clientSubjects).isEmpty();
    }
}
