package dev.sluice.core.spi;

/** A protocol's running listener. */
public interface ProtocolListener extends AutoCloseable {

    /** The port it listens on (the configured one, or the one the system chose for port 0). */
    int port();

    /** Stops accepting; open sessions are ended by the drain, not here. Never throws. */
    @Override
    void close();
}
