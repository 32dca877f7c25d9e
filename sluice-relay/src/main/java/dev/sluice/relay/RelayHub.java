package dev.sluice.relay;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;

import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sluice.core.access.TargetGrant;
import dev.sluice.core.audit.AuditEvent;
import dev.sluice.core.audit.AuditLog;

/**
 * The gateway's side of the relays: a gRPC server over mutual TLS on {@code relays.listen}, where relays enrol
 * (join token → certificate), renew, hold one long-lived {@code Control} stream each, and open one {@code Tunnel}
 * stream per upstream connection the gateway asks for. It keeps the connected relays and their health, picks a
 * healthy relay of a group for a new upstream (the one with the fewest sessions), ends the sessions of a relay that
 * disconnects or is revoked (through core's session terminator: the client is told in its protocol and
 * {@code session.end} names the relay), and audits {@code relay.enroll|connect|disconnect}.
 *
 * <p>Every relay call but {@code Enroll} needs a client certificate of the gateway's relay CA (checked in the TLS
 * handshake: chain and validity) that the registry knows, has not revoked, and that names the group it was enrolled
 * in (checked at connect, at every tunnel and at every heartbeat interval). Thread-safe.
 */
public final class RelayHub implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RelayHub.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final RelaysConfig config;
    private final RelayRegistry registry;
    private final AuditLog audit;
    private final Clock clock;
    private final BiConsumer<String, String> endSession;
    private final Map<String, Connected> relays = new ConcurrentHashMap<>();
    private final Map<String, Pending> pending = new ConcurrentHashMap<>();
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final ScheduledExecutorService checker = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("sluice-relay-check").factory());
    private final Set<String> revoked = ConcurrentHashMap.newKeySet();
    private Server server;

    private RelayHub(RelaysConfig config, RelayRegistry registry, AuditLog audit, Clock clock,
                     BiConsumer<String, String> endSession) {
        this.config = config;
        this.registry = registry;
        this.audit = audit;
        this.clock = clock;
        this.endSession = endSession;
    }

    /**
     * Starts the relay listener.
     *
     * @param endSession ends a session by id with a reason (core's {@code GatewaySession.terminate}): how a relay's
     *                   disconnection reaches the sessions it carried
     */
    public static RelayHub start(RelaysConfig config, RelayRegistry registry, AuditLog audit, Clock clock,
                                 BiConsumer<String, String> endSession) throws IOException {
        RelayHub result = new RelayHub(config, registry, audit, clock, endSession);
        result.listen();
        return result;
    }

    private void listen() throws IOException {
        registry.relays().stream().filter(RelayRegistry.Enrolled::revoked).forEach(r -> revoked.add(r.id()));
        RelayCa ca = registry.ca();
        RelayEnrollment enrollment = new RelayEnrollment(config, registry, clock, this::record);
        RelayCa.ServerIdentity identity = ca.issueServer(config.certificateTtl().multipliedBy(12));
        io.grpc.ServerCredentials credentials = RelayCallContext.serverCredentials(ca, identity);
        ServerServiceDefinition service = ServerServiceDefinition.builder(RelayWire.SERVICE)
                .addMethod(RelayWire.ENROLL, ServerCalls.asyncUnaryCall(enrollment::enroll))
                .addMethod(RelayWire.RENEW, ServerCalls.asyncUnaryCall(enrollment::renew))
                .addMethod(RelayWire.CONTROL, ServerCalls.asyncBidiStreamingCall(this::control))
                .addMethod(RelayWire.TUNNEL, ServerCalls.asyncBidiStreamingCall(this::tunnel))
                .build();
        InetSocketAddress address = new InetSocketAddress(config.listen().host(), config.listen().port());
        server = NettyServerBuilder.forAddress(address, credentials)
                .addService(ServerInterceptors.intercept(service, new RelayCallContext.Authenticate()))
                .executor(executor)
                // tunnel callbacks only queue bytes and signal: run them on the transport's thread, saving two
                // thread hand-offs per message (the relay's added latency); the other methods block (registry,
                // audit) and run on virtual threads
                .callExecutor(new io.grpc.ServerCallExecutorSupplier() {
                    @Override
                    public <Q, R> java.util.concurrent.Executor getExecutor(ServerCall<Q, R> call, Metadata headers) {
                        return call.getMethodDescriptor().getFullMethodName().equals(
                                RelayWire.TUNNEL.getFullMethodName()) ? Runnable::run : executor;
                    }
                })
                .maxInboundMessageSize(RelayWire.MAX_MESSAGE)
                .keepAliveTime(Math.max(1, config.heartbeat().toSeconds() * 2), TimeUnit.SECONDS)
                .keepAliveTimeout(Math.max(1, config.heartbeat().toSeconds() * 2), TimeUnit.SECONDS)
                .permitKeepAliveTime(1, TimeUnit.SECONDS)
                .permitKeepAliveWithoutCalls(true)
                .build()
                .start();
        long period = config.heartbeat().toMillis();
        checker.scheduleAtFixedRate(this::checkAll, period, period, TimeUnit.MILLISECONDS);
        LOG.info("relay listener on {}:{} (gRPC, mutual TLS; CA fingerprint {})", config.listen().host(), port(),
                ca.pin());
    }

    public int port() {
        return server.getPort();
    }

    /** Connected relays, by group and id. */
    public List<RelayStatus> list() {
        List<RelayStatus> result = new ArrayList<>();
        for (Connected relay : relays.values()) {
            result.add(relay.status());
        }
        result.sort(Comparator.comparing(RelayStatus::group).thenComparing(RelayStatus::id));
        return result;
    }

    /**
     * Opens a tunnel through a healthy relay of the connection's group: logged in by the relay (purposes
     * {@code session} and {@code catalog}) or raw ({@code cancel}: the relay refuses any other raw purpose).
     */
    Socket open(TargetGrant grant, String purpose, Map<String, String> parameters) throws IOException {
        return open(grant.connection().via().orElseThrow(), grant.connection().name(),
                grant.context().session().value(), purpose, parameters);
    }

    /** As above, by group, connection name and the session the tunnel belongs to (its terminator's key). */
    Socket open(String group, String connection, String session, String purpose, Map<String, String> parameters)
            throws IOException {
        Connected relay = choose(group).orElseThrow(() -> new IOException("no healthy relay of group \"" + group
                + "\" is connected for connection \"" + connection + "\""));
        byte[] bytes = new byte[12];
        RANDOM.nextBytes(bytes);
        String id = HexFormat.of().formatHex(bytes);
        Pending request = new Pending(relay.identity.relayId(), new CompletableFuture<>());
        pending.put(id, request);
        try {
            relay.send(RelayWire.Control.open(id, connection, purpose, parameters));
            ByteTunnel tunnel = request.future().get(config.openTimeout().toMillis(), TimeUnit.MILLISECONDS);
            Tunnel open = new Tunnel(id, purpose, session, tunnel);
            relay.tunnels.add(open);
            tunnel.onBroken(reason -> {
                if (purpose.equals("session")) {
                    // the client hears it in its protocol, and session.end names the relay (ByteTunnel runs this
                    // off gRPC's transport thread, before the session's reader sees the stream end)
                    endSession.accept(session, "relay " + relay.identity.relayId() + " (group " + group
                            + ") lost: " + reason);
                }
            });
            if (relay.closed) {
                tunnel.close();
                throw new IOException("relay " + relay.identity.relayId() + " disconnected");
            }
            return new TunnelSocket(tunnel, "relay " + relay.identity.relayId() + " tunnel " + id + " (" + purpose
                    + ")", () -> relay.tunnels.remove(open));
        } catch (ExecutionException e) {
            throw new IOException(e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IOException("relay " + relay.identity.relayId() + " did not open connection \"" + connection
                    + "\" within " + config.openTimeout().toSeconds() + "s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while a relay opened the connection");
        } finally {
            pending.remove(id);
        }
    }

    private Optional<Connected> choose(String group) {
        Instant stale = clock.instant().minus(config.heartbeat().multipliedBy(3));
        return relays.values().stream()
                .filter(r -> r.identity.group().equals(group) && r.welcomed && !r.closed
                        && r.lastHeartbeat.isAfter(stale))
                .min(Comparator.comparingInt(Connected::sessions).thenComparing(r -> RANDOM.nextInt()));
    }

    /** A tunnel the gateway asked for and waits on; only the relay it asked may answer. */
    private record Pending(String relayId, CompletableFuture<ByteTunnel> future) {
    }

    private record Tunnel(String id, String purpose, String session, ByteTunnel bytes) {
    }

    // ---- Control ----

    private StreamObserver<byte[]> control(StreamObserver<byte[]> responses) {
        RelayCa.Identity identity = RelayCallContext.IDENTITY.get();
        String address = RelayCallContext.ADDRESS.get();
        if (identity == null) {
            record(new AuditEvent.RelayEvent(clock.instant(), "connect", "", "", false, "from " + address
                    + ": no relay certificate"));
            responses.onError(Status.UNAUTHENTICATED.withDescription("a relay certificate is required (enroll with "
                    + "--join-token)").asRuntimeException());
            return new RelayCallContext.Ignore();
        }
        Connected relay = new Connected(identity, (ServerCallStreamObserver<byte[]>) responses, address,
                RelayCallContext.EXPIRES.get(), clock.instant());
        return new StreamObserver<>() {
            @Override
            public void onNext(byte[] value) {
                try {
                    RelayWire.Control message = RelayWire.decode(value, RelayWire.Control.class);
                    switch (String.valueOf(message.type())) {
                        case "hello" -> hello(relay, message);
                        case "heartbeat" -> relay.lastHeartbeat = clock.instant();
                        default -> throw new IOException("unexpected control message " + message.type());
                    }
                } catch (IOException | RuntimeException e) {
                    disconnect(relay, e.getMessage(), true);
                }
            }

            @Override
            public void onError(Throwable t) {
                disconnect(relay, "connection lost (" + Status.fromThrowable(t).getCode() + ")", false);
            }

            @Override
            public void onCompleted() {
                disconnect(relay, "the relay ended its connection", false);
            }
        };
    }

    private void hello(Connected relay, RelayWire.Control hello) throws IOException {
        RelayCa.Identity identity = relay.identity;
        if (!identity.group().equals(hello.group())) {
            throw new RelayRegistry.RelayRefusedException("relay " + identity.relayId() + " is enrolled in group "
                    + identity.group() + ", not " + hello.group());
        }
        registry.check(identity);
        Connected before = relays.put(identity.relayId(), relay);
        if (before != null && before != relay) {
            disconnect(before, "replaced by a new connection of the same relay", true);
        }
        relay.lastHeartbeat = clock.instant();
        relay.welcomed = true;
        relay.send(RelayWire.Control.welcome(identity.relayId()));
        record(new AuditEvent.RelayEvent(clock.instant(), "connect", identity.relayId(), identity.group(), true,
                "from " + relay.address + "; serves " + (hello.connections() == null ? List.of()
                        : hello.connections())));
        LOG.info("relay {} (group {}) connected from {}", identity.relayId(), identity.group(), relay.address);
    }

    /** Ends a relay's connection and every tunnel it carries (their sessions first, so session.end says why). */
    private void disconnect(Connected relay, String reason, boolean tellRelay) {
        if (!relay.close()) {
            return;
        }
        relays.remove(relay.identity.relayId(), relay);
        for (Tunnel tunnel : List.copyOf(relay.tunnels)) {
            tunnel.bytes().fail(reason);
        }
        if (tellRelay) {
            relay.refuse(reason);
        }
        record(new AuditEvent.RelayEvent(clock.instant(), relay.welcomed ? "disconnect" : "connect",
                relay.identity.relayId(), relay.identity.group(), relay.welcomed, reason));
        LOG.info("relay {} (group {}) {}: {}", relay.identity.relayId(), relay.identity.group(),
                relay.welcomed ? "disconnected" : "refused", reason);
    }

    /**
     * Each heartbeat interval: a revocation made since (by {@code sluice relay revoke}, in the shared data dir) is
     * audited once as {@code relay.revoke}; revoked, unknown or expired relays are disconnected.
     */
    private void checkAll() {
        try {
            for (RelayRegistry.Enrolled enrolled : registry.relays()) {
                if (enrolled.revoked() && revoked.add(enrolled.id())) {
                    record(new AuditEvent.RelayEvent(clock.instant(), "revoke", enrolled.id(), enrolled.group(), true,
                            "revoked in the gateway's relay registry"));
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("cannot read the relay registry: {}", e.getMessage());
        }
        for (Connected relay : relays.values()) {
            try {
                registry.check(relay.identity);
                if (!clock.instant().isBefore(relay.certificateExpires)) {
                    disconnect(relay, "its certificate expired at " + relay.certificateExpires, true);
                }
            } catch (IOException | RuntimeException e) {
                disconnect(relay, e.getMessage(), true);
            }
        }
    }

    // ---- Tunnel ----

    private StreamObserver<byte[]> tunnel(StreamObserver<byte[]> responses) {
        RelayCa.Identity identity = RelayCallContext.IDENTITY.get();
        ServerCallStreamObserver<byte[]> call = (ServerCallStreamObserver<byte[]>) responses;
        if (identity == null) {
            call.onError(Status.UNAUTHENTICATED.withDescription("a relay certificate is required")
                    .asRuntimeException());
            return new RelayCallContext.Ignore();
        }
        call.disableAutoRequest();
        ByteTunnel bytes = new ByteTunnel("relay " + identity.relayId() + " tunnel");
        bytes.attach(call, () -> call.onError(Status.CANCELLED.withDescription("closed by the gateway")
                .asRuntimeException()));
        call.setOnCancelHandler(() -> bytes.fail("its stream was cancelled"));
        call.request(1);
        return new StreamObserver<>() {
            private boolean started;

            @Override
            public void onNext(byte[] value) {
                if (started) {
                    bytes.received(value);
                    return;
                }
                started = true;
                try {
                    RelayWire.TunnelHeader header = RelayWire.decode(value, RelayWire.TunnelHeader.class);
                    Pending request = header.id() == null ? null : pending.get(header.id());
                    // fail closed: only the relay the gateway asked may answer an open
                    if (request == null || !request.relayId().equals(identity.relayId())) {
                        throw new IOException("unexpected tunnel");
                    }
                    if (!header.ok()) {
                        request.future().completeExceptionally(new IOException("relay " + identity.relayId() + ": "
                                + header.error()));
                        call.onCompleted();
                        return;
                    }
                    if (!request.future().complete(bytes)) {
                        throw new IOException("the gateway stopped waiting for this tunnel");
                    }
                    bytes.start();
                } catch (IOException | RuntimeException e) {
                    bytes.close();
                }
            }

            @Override
            public void onError(Throwable t) {
                bytes.fail("its stream failed (" + Status.fromThrowable(t).getCode() + ")");
            }

            @Override
            public void onCompleted() {
                bytes.completed();
            }
        };
    }

    private void record(AuditEvent event) {
        try {
            audit.append(event);
        } catch (RuntimeException e) {
            LOG.error("could not record {}", event.kind(), e);
        }
    }

    @Override
    public void close() {
        checker.shutdownNow();
        for (Connected relay : relays.values()) {
            disconnect(relay, "the gateway is shutting down", true);
        }
        if (server != null) {
            server.shutdownNow();
            try {
                server.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        executor.shutdownNow();
    }

    /** One connected relay and its control stream (written under {@link #lock}). */
    private final class Connected {
        final RelayCa.Identity identity;
        final String address;
        final Instant since;
        final Instant certificateExpires;
        final Set<Tunnel> tunnels = ConcurrentHashMap.newKeySet();
        private final ServerCallStreamObserver<byte[]> control;
        private final java.util.concurrent.locks.ReentrantLock lock = new java.util.concurrent.locks.ReentrantLock();
        volatile Instant lastHeartbeat;
        volatile boolean welcomed;
        volatile boolean closed;

        Connected(RelayCa.Identity identity, ServerCallStreamObserver<byte[]> control, String address,
                  Instant certificateExpires, Instant since) {
            this.identity = identity;
            this.control = control;
            this.address = address;
            this.certificateExpires = certificateExpires;
            this.since = since;
            this.lastHeartbeat = since;
        }

        int sessions() {
            return (int) tunnels.stream().filter(t -> t.purpose().equals("session")).count();
        }

        void send(RelayWire.Control message) throws IOException {
            lock.lock();
            try {
                if (closed) {
                    throw new IOException("relay " + identity.relayId() + " disconnected");
                }
                control.onNext(RelayWire.encode(message));
            } catch (RuntimeException e) {
                throw new IOException("relay " + identity.relayId() + " disconnected", e);
            } finally {
                lock.unlock();
            }
        }

        /** True the first time. */
        boolean close() {
            lock.lock();
            try {
                if (closed) {
                    return false;
                }
                closed = true;
                return true;
            } finally {
                lock.unlock();
            }
        }

        void refuse(String reason) {
            lock.lock();
            try {
                control.onNext(RelayWire.encode(RelayWire.Control.refused(reason)));
                control.onError(Status.PERMISSION_DENIED.withDescription(reason).asRuntimeException());
            } catch (RuntimeException e) {
                // the stream is already gone
            } finally {
                lock.unlock();
            }
        }

        RelayStatus status() {
            return new RelayStatus(identity.relayId(), identity.group(), since, lastHeartbeat, sessions(),
                    certificateExpires, lastHeartbeat.isAfter(clock.instant().minus(config.heartbeat()
                    .multipliedBy(3))), address);
        }
    }
}
