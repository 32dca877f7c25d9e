package dev.sluice.core.spi;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;

import dev.sluice.core.config.ConnectionConfig;

/**
 * The relay's half of a protocol: logs in to a target with the credential of the relay's own config and hands back
 * the byte stream from the first byte after the login on (see {@link Dialer#dialLoggedIn}). A protocol module offers
 * one as a {@link ServiceLoader} provider; the relay process finds it by the connection's {@code type}. Everything
 * after the login (judging, masking, recording) stays in the gateway.
 */
public interface UpstreamLogin {

    /** The connection type it logs in to ({@code postgres}). */
    String protocol();

    /** Every connection type it logs in to; by default {@link #protocol()} alone. */
    default java.util.Set<String> types() {
        return java.util.Set.of(protocol());
    }

    /**
     * What the relay sends the target of the gateway's bytes after the login: by default the bytes as they come.
     * A protocol whose credential travels with every request (HTTP: a header per request) rewrites each request here
     * and injects the relay's credential; the gateway's stream never carries it.
     *
     * @param fromGateway the tunnel's bytes from the gateway; read by one thread
     */
    default InputStream requests(ConnectionConfig connection, InputStream fromGateway) throws IOException {
        return fromGateway;
    }

    /**
     * Logs in over {@code socket} (already connected to the target's address) as {@code connection}'s target says.
     *
     * @param parameters the gateway's login parameters (PostgreSQL: its startup parameters); never the user or
     *                   a credential, which are the relay's
     * @throws IOException when the target cannot be reached or refuses; the message is safe to send to the gateway
     *                     (it never holds the credential)
     */
    LoggedIn login(ConnectionConfig connection, Socket socket, Map<String, String> parameters) throws IOException;

    /**
     * A logged-in upstream: {@code greeting} is what the target said right after accepting the login, re-encoded as it
     * came (PostgreSQL: the ParameterStatus, BackendKeyData and ReadyForQuery messages after AuthenticationOk); then
     * {@code input} and {@code output} carry the rest. Closing it closes the target connection.
     */
    record LoggedIn(byte[] greeting, InputStream input, OutputStream output, AutoCloseable connection) {
        public LoggedIn {
            Objects.requireNonNull(greeting, "greeting");
            Objects.requireNonNull(input, "input");
            Objects.requireNonNull(output, "output");
            Objects.requireNonNull(connection, "connection");
            greeting = greeting.clone();
        }

        @Override
        public byte[] greeting() {
            return greeting.clone();
        }
    }

    /** Every login installed on the class path, by protocol. */
    static List<UpstreamLogin> installed() {
        return ServiceLoader.load(UpstreamLogin.class).stream().map(ServiceLoader.Provider::get).toList();
    }
}
