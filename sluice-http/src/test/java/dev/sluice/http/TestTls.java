package dev.sluice.http;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Map;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

import dev.sluice.testing.Cli;

/**
 * A self-signed server certificate for the proxy listener in tests, made by the JDK's own {@code keytool}
 * (production takes the gateway's configured or persisted one from the core), and its PEM for clients' CA files.
 */
record TestTls(SSLContext context, Path caPem) {

    static TestTls create() throws Exception {
        Path dir = Files.createTempDirectory("sluice-http-tls-");
        Path store = dir.resolve("server.p12");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Cli.runOrFail(Map.of(), Duration.ofSeconds(30), keytool, "-genkeypair", "-keystore", store.toString(),
                "-storetype", "PKCS12", "-storepass", "changeit", "-alias", "sluice", "-keyalg", "EC", "-groupname",
                "secp256r1", "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2");
        Path pem = dir.resolve("ca.pem");
        Cli.runOrFail(Map.of(), Duration.ofSeconds(30), keytool, "-exportcert", "-rfc", "-keystore", store.toString(),
                "-storepass", "changeit", "-alias", "sluice", "-file", pem.toString());
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            keys.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        factory.init(keys, "changeit".toCharArray());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(factory.getKeyManagers(), null, null);
        return new TestTls(context, pem);
    }
}
