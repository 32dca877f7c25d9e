package dev.sluice.export;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sluice.core.config.HostPort;

class SyslogExportTest {
    /** RFC 5424: PRI VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP SD SP MSG. */
    private static final Pattern RFC5424 = Pattern.compile(
            "<(\\d{1,3})>1 \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z \\S+ sluice - command "
                    + "\\[sluice@32473 seq=\"(\\d+)\" session=\"s-0123456789abcdef\" subject=\"alice\" "
                    + "connection=\"orders\" verdict=\"(allow|deny)\"\\] \\{\"seq\":\\d+.*\\}");

    @TempDir
    Path dir;
    private final List<String> received = new CopyOnWriteArrayList<>();

    /** Accepts connections one after another, reading RFC 6587 frames until each closes. */
    private Thread receive(ServerSocket server, boolean octetCounting) {
        return Thread.ofVirtual().start(() -> {
            while (!server.isClosed()) {
                try (Socket socket = server.accept()) {
                    InputStream in = socket.getInputStream();
                    if (octetCounting) {
                        readOctetCounted(new DataInputStream(in));
                    } else {
                        new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).lines()
                                .forEach(received::add);
                    }
                } catch (IOException e) {
                    // closed
                }
            }
        });
    }

    private void readOctetCounted(DataInputStream in) throws IOException {
        while (true) {
            StringBuilder length = new StringBuilder();
            int c;
            while ((c = in.read()) != ' ') {
                if (c < 0) {
                    return;
                }
                length.append((char) c);
            }
            byte[] message = new byte[Integer.parseInt(length.toString())];
            in.readFully(message);
            received.add(new String(message, StandardCharsets.UTF_8));
        }
    }

    private void exportThree(SinkConfig.Syslog sink) throws Exception {
        try (Trail trail = new Trail(dir)) {
            trail.statement(1);
            trail.statement(2);
            try (Exports exports = Exports.start(List.of(sink), trail.reader, dir, OutputStream.nullOutputStream(),
                    Clock.systemUTC(), Duration.ofMillis(20))) {
                Waits.until(() -> received.size() == 2, Duration.ofSeconds(10));
                trail.statement(3);
                Waits.until(() -> received.size() == 3, Duration.ofSeconds(10));
            }
        }
        for (int i = 0; i < 3; i++) {
            var m = RFC5424.matcher(received.get(i));
            assertThat(m.matches()).as(received.get(i)).isTrue();
            assertThat(m.group(3)).isEqualTo(Integer.toString(i + 1));
            assertThat(Integer.parseInt(m.group(1))).isEqualTo(13 * 8 + (i % 2 == 0 ? 4 : 5));
        }
        assertThat(received.getFirst()).contains("\"error\":\"refused \\\"quoted\\\" ]\"");
    }

    @Test
    void sendsRfc5424MessagesWithOctetCountingOverTcp() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            receive(server, true);
            exportThree(new SinkConfig.Syslog("syslog", 100, new HostPort("127.0.0.1", server.getLocalPort()), false,
                    Optional.empty(), "octet-counting", "sluice"));
        }
    }

    @Test
    void sendsOneMessageALineWithNewlineFraming() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            receive(server, false);
            exportThree(new SinkConfig.Syslog("syslog", 1, new HostPort("127.0.0.1", server.getLocalPort()), false,
                    Optional.empty(), "newline", "sluice"));
        }
    }

    @Test
    void sendsOverTlsTrustingTheConfiguredCa() throws Exception {
        Path keystore = dir.resolve("server.p12");
        Path pem = dir.resolve("ca.pem");
        keytool("-genkeypair", "-alias", "syslog", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
                "-ext", "san=ip:127.0.0.1,dns:localhost", "-validity", "2", "-keystore", keystore.toString(),
                "-storetype", "PKCS12", "-storepass", "changeit");
        keytool("-exportcert", "-rfc", "-alias", "syslog", "-keystore", keystore.toString(), "-storepass", "changeit",
                "-file", pem.toString());
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            store.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, "changeit".toCharArray());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), null, null);
        try (SSLServerSocket server = (SSLServerSocket) context.getServerSocketFactory()
                .createServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            receive(server, true);
            exportThree(new SinkConfig.Syslog("syslog-tls", 100, new HostPort("127.0.0.1", server.getLocalPort()),
                    true, Optional.of(pem), "octet-counting", "sluice"));
        }
    }

    private static void keytool(String... args) throws Exception {
        String[] command = new String[args.length + 1];
        command[0] = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        System.arraycopy(args, 0, command, 1, args.length);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        process.getInputStream().transferTo(output);
        assertThat(process.waitFor()).as(output.toString(StandardCharsets.UTF_8)).isZero();
    }
}
