package dev.sluice.core.spi;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import java.util.function.Supplier;

import javax.net.ssl.SSLContext;

import dev.sluice.core.access.AccessFlow;
import dev.sluice.core.access.GatewayState;
import dev.sluice.core.audit.AuditLog;
import dev.sluice.core.config.HostPort;
import dev.sluice.core.session.SessionService;

/**
 * Everything core hands a protocol to run its listener: it needs nothing else from the gateway.
 *
 * @param address  where to listen: the protocol's {@code listen.<name>} key
 * @param state    the configuration generation in force now (live reload swaps it atomically)
 * @param access   authentication and authorisation: the only way to a {@link dev.sluice.core.access.TargetGrant}
 * @param sessions session cap, drain, live-session registry; every session starts here
 * @param dialer   every upstream connection goes through it
 * @param audit    for the few events a protocol records before a session exists (a refused handshake)
 * @param tls      the gateway's server TLS context (configured or self-signed), empty when TLS is off
 * @param dataDir  where a protocol keeps its own state (an SSH host key), created 0700
 */
public record ProtocolContext(HostPort address, Supplier<GatewayState> state, AccessFlow access,
                              SessionService sessions, Dialer dialer, AuditLog audit, Clock clock,
                              Optional<SSLContext> tls, Path dataDir) {
}
