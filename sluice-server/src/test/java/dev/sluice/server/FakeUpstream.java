package dev.sluice.server;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

import dev.sluice.core.config.TlsConfig;

/**
 * An impostor PostgreSQL server on loopback, speaking just enough of the protocol to ask Sluice's upstream client for
 * its credential in one scripted way, and keeping every byte Sluice sends after that request. A test then checks
 * what an attacker in the server's place would have learnt. One connection at a time, on a virtual thread.
 */
final class FakeUpstream implements AutoCloseable {
    private static final int SSL_REQUEST = 80877103;

    /** How the impostor answers SSLRequest and what it asks for. */
    enum Script {
        /** 'N' to TLS, then AuthenticationCleartextPassword. */
        DECLINE_TLS_ASK_CLEARTEXT(false),
        /** 'N' to TLS, then AuthenticationMD5Password. */
        DECLINE_TLS_ASK_MD5(false),
        /** 'N' to TLS, AuthenticationSASL, then AuthenticationOk without the SCRAM server proof. */
        DECLINE_TLS_SCRAM_THEN_OK(false),
        /** TLS (a self-signed certificate), then AuthenticationSASL offering only SCRAM-SHA-256 (PLUS stripped). */
        TLS_STRIP_PLUS(true),
        /** TLS, then AuthenticationOk at once, as a trust server would. */
        TLS_OK_WITHOUT_AUTH(true);

        final boolean tls;

        Script(boolean tls) {
            this.tls = tls;
        }
    }

    private final ServerSocket server;
    private final Script script;
    private final SSLContext tls;
    private final List<byte[]> received = new CopyOnWriteArrayList<>();

    private FakeUpstream(ServerSocket server, Script script, SSLContext tls) {
        this.server = server;
        this.script = script;
        this.tls = tls;
    }

    /** Starts an impostor on a free loopback port; {@code dir} keeps its self-signed certificate. */
    static FakeUpstream start(Script script, Path dir) throws IOException {
        ServerSocket server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        FakeUpstream result = new FakeUpstream(server, script, ServerTls.context(TlsConfig.none(), dir));
        Thread.ofVirtual().name("fake-upstream-" + script).start(result::serve);
        return result;
    }

    int port() {
        return server.getLocalPort();
    }

    /** Per connection, every byte Sluice sent after the impostor's authentication request. */
    List<byte[]> received() {
        return List.copyOf(received);
    }

    private void serve() {
        while (!server.isClosed()) {
            try (Socket socket = server.accept()) {
                socket.setSoTimeout(3_000);
                handle(socket);
            } catch (IOException e) {
                // next connection, or closed
            }
        }
    }

    private void handle(Socket plain) throws IOException {
        Socket socket = plain;
        DataInputStream in = new DataInputStream(socket.getInputStream());
        int length = in.readInt();
        int code = in.readInt();
        if (code == SSL_REQUEST) {
            socket.getOutputStream().write(script.tls ? 'S' : 'N');
            socket.getOutputStream().flush();
            if (script.tls) {
                SSLSocket secured = (SSLSocket) tls.getSocketFactory().createSocket(plain, null, plain.getPort(), true);
                secured.setUseClientMode(false);
                secured.startHandshake();
                socket = secured;
                in = new DataInputStream(socket.getInputStream());
            }
            length = in.readInt();
            code = in.readInt();
        }
        in.readNBytes(length - 8); // the StartupMessage's parameters
        DataOutputStream out = new DataOutputStream(socket.getOutputStream());
        switch (script) {
            case DECLINE_TLS_ASK_CLEARTEXT -> authRequest(out, 3, new byte[0]);
            case DECLINE_TLS_ASK_MD5 -> authRequest(out, 5, new byte[] {1, 2, 3, 4});
            case DECLINE_TLS_SCRAM_THEN_OK, TLS_STRIP_PLUS ->
                    authRequest(out, 10, "SCRAM-SHA-256\0\0".getBytes(StandardCharsets.US_ASCII));
            case TLS_OK_WITHOUT_AUTH -> {
                authRequest(out, 0, new byte[0]);
                out.write(new byte[] {'Z', 0, 0, 0, 5, 'I'});
            }
        }
        out.flush();
        if (script == Script.DECLINE_TLS_SCRAM_THEN_OK) {
            ByteArrayOutputStream first = new ByteArrayOutputStream();
            first.write(in.readByte());
            int n = in.readInt();
            first.write(in.readNBytes(n - 4));
            authRequest(out, 0, new byte[0]);
            out.write(new byte[] {'Z', 0, 0, 0, 5, 'I'});
            out.flush();
            received.add(concat(first.toByteArray(), readAll(in)));
            return;
        }
        received.add(readAll(in));
    }

    private static void authRequest(DataOutputStream out, int code, byte[] rest) throws IOException {
        out.writeByte('R');
        out.writeInt(8 + rest.length);
        out.writeInt(code);
        out.write(rest);
    }

    private static byte[] readAll(InputStream in) {
        ByteArrayOutputStream result = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try {
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                result.write(buffer, 0, n);
            }
        } catch (SocketTimeoutException e) {
            // Sluice kept the connection open without sending: nothing more to learn
        } catch (IOException e) {
            // closed or reset
        }
        return result.toByteArray();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] result = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, result, a.length, b.length);
        return result;
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
