package dev.sluice.export;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

import dev.sluice.core.audit.AuditRecord;

/**
 * RFC 5424 messages ({@link SyslogFormat}) over one long-lived TCP or TLS connection, framed per RFC 6587: octet
 * counting ({@code LEN SP MSG}) or a newline after each message. Before each batch the connection is probed: a
 * receiver that went away is noticed and reconnected to instead of written into the void. TCP gives no application
 * acknowledgement, so a receiver that dies while a batch is in flight may lose that batch's tail; use the http or
 * kafka sink where that matters.
 */
final class SyslogSink implements ExportSink {
    private static final int CONNECT_TIMEOUT_MS = 5_000;

    private final SinkConfig.Syslog config;
    private final Optional<SSLContext> tls;
    private final String hostname;
    private Socket socket;
    private OutputStream out;

    SyslogSink(SinkConfig.Syslog config, Optional<SSLContext> tls) {
        this.config = config;
        this.tls = tls;
        this.hostname = localHostname();
    }

    @Override
    public void send(List<AuditRecord> batch) throws IOException {
        if (socket != null && !alive()) {
            close();
        }
        if (socket == null) {
            connect();
        }
        try {
            for (AuditRecord record : batch) {
                byte[] message = SyslogFormat.message(record, hostname, config.appName())
                        .getBytes(StandardCharsets.UTF_8);
                if (config.framing().equals("newline")) {
                    out.write(message);
                    out.write('\n');
                } else {
                    out.write((message.length + " ").getBytes(StandardCharsets.US_ASCII));
                    out.write(message);
                }
            }
            out.flush();
        } catch (IOException e) {
            close();
            throw e;
        }
    }

    private void connect() throws IOException {
        Socket plain = new Socket();
        try {
            plain.connect(new InetSocketAddress(config.address().host(), config.address().port()), CONNECT_TIMEOUT_MS);
            if (tls.isPresent()) {
                SSLSocket secure = (SSLSocket) tls.get().getSocketFactory().createSocket(plain, config.address().host(),
                        config.address().port(), true);
                SSLParameters parameters = secure.getSSLParameters();
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
                secure.setSSLParameters(parameters);
                secure.setSoTimeout(CONNECT_TIMEOUT_MS);
                secure.startHandshake();
                socket = secure;
            } else {
                socket = plain;
            }
            out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
        } catch (IOException e) {
            plain.close();
            socket = null;
            throw e;
        }
    }

    /** A syslog receiver never writes: end of stream (or an error) means it closed the connection. */
    private boolean alive() {
        try {
            socket.setSoTimeout(1);
            InputStream in = socket.getInputStream();
            return in.read() >= 0;
        } catch (SocketTimeoutException e) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String localHostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "-";
        }
    }

    @Override
    public void close() {
        if (socket == null) {
            return;
        }
        try {
            socket.close();
        } catch (IOException e) {
            // nothing left to deliver on it
        }
        socket = null;
        out = null;
    }
}
