package dev.sluice.core.spi;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;

import dev.sluice.core.access.TargetGrant;
import dev.sluice.core.config.HostPort;

/** Connects straight to the target's {@code host:port}, with a connect timeout and TCP_NODELAY. */
public final class DirectDialer implements Dialer {
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);

    private final Duration connectTimeout;

    public DirectDialer(Duration connectTimeout) {
        this.connectTimeout = connectTimeout;
    }

    public DirectDialer() {
        this(DEFAULT_CONNECT_TIMEOUT);
    }

    @Override
    public Socket dial(TargetGrant grant, String purpose) throws IOException {
        HostPort address = grant.connection().address();
        Socket result = new Socket();
        try {
            result.setTcpNoDelay(true);
            result.connect(new InetSocketAddress(address.host(), address.port()), (int) connectTimeout.toMillis());
            return result;
        } catch (IOException e) {
            result.close();
            throw e;
        }
    }
}
