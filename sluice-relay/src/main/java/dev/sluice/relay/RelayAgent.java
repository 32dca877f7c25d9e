package dev.sluice.relay;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;

import io.grpc.CallOptions;
import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sluice.core.spi.UpstreamLogin;

/**
 * The relay process: dials out to the gateway (one gRPC channel over mutual TLS, keepalives), holds one
 * {@code Control} stream, and for each {@code open} the gateway sends opens the named target, logs in there with its
 * own credential ({@link UpstreamLogin} of the target's type) and carries the bytes on a new {@code Tunnel} stream.
 * It refuses any connection its config does not list and any raw connection but a cancel request, so a compromised
 * gateway can neither learn a credential nor make it reach anything else. Reconnects with exponential backoff and
 * jitter; renews its certificate when a third of its lifetime is left.
 *
 * <p>Threads: one virtual thread for the connect loop, one per tunnel direction; gRPC callbacks on a virtual-thread
 * executor. The control stream is written under {@link #controlLock}.
 */
public final class RelayAgent implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RelayAgent.class);
    private static final Duration MIN_BACKOFF = Duration.ofMillis(200);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    private static final int CONNECT_TIMEOUT_MS = 10_000;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final RelayConfig config;
    private final RelayIdentity identity;
    private final Map<String, UpstreamLogin> logins;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final ReentrantLock controlLock = new ReentrantLock();
    private final AtomicReference<ManagedChannel> channel = new AtomicReference<>();
    private final AtomicReference<String> relayId = new AtomicReference<>("");
    private final CountDownLatch firstWelcome = new CountDownLatch(1);
    private volatile StreamObserver<byte[]> control;
    private volatile Optional<String> lastRefusal = Optional.empty();
    private Thread loop;

    private RelayAgent(RelayConfig config) {
        this.config = config;
        this.identity = new RelayIdentity(config.dataDir());
        java.util.Map<String, UpstreamLogin> found = new java.util.HashMap<>();
        UpstreamLogin.installed().forEach(login -> login.types().forEach(type -> found.put(type, login)));
        this.logins = Map.copyOf(found);
    }

    /**
     * Enrolls with a one-time join token: makes the relay's key in its data dir, sends a CSR, keeps the certificate.
     * The gateway is trusted by the CA fingerprint the token carries.
     *
     * @return the relay's id
     */
    public static String enroll(RelayConfig config, String token) throws IOException {
        int dot = token.lastIndexOf('.');
        if (dot <= 0 || dot == token.length() - 1) {
            throw new IOException("not a Sluice join token (expected <secret>.<CA fingerprint>)");
        }
        RelayIdentity.Pinned pinned = new RelayIdentity.Pinned(token.substring(dot + 1));
        ChannelCredentials credentials = TlsChannelCredentials.newBuilder().trustManager(pinned).build();
        ManagedChannel channel = channel(config, credentials);
        try {
            RelayIdentity.Request request = RelayIdentity.request();
            byte[] answer = ClientCalls.blockingUnaryCall(channel, RelayWire.ENROLL,
                    CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS),
                    RelayWire.encode(new RelayWire.EnrollRequest(token.substring(0, dot), request.csr())));
            RelayWire.Certificate certificate = RelayWire.decode(answer, RelayWire.Certificate.class);
            if (!config.group().equals(certificate.group())) {
                throw new IOException("the join token is for group " + certificate.group() + ", but this relay's "
                        + "config says group " + config.group());
            }
            new RelayIdentity(config.dataDir()).save(request, certificate, pinned.ca());
            LOG.info("enrolled as relay {} (group {})", certificate.relayId(), certificate.group());
            return certificate.relayId();
        } catch (io.grpc.StatusRuntimeException e) {
            throw new IOException("enrollment refused: " + describe(e.getStatus()), e);
        } finally {
            channel.shutdownNow();
        }
    }

    /** Starts the relay; it must be enrolled. */
    public static RelayAgent start(RelayConfig config) throws IOException {
        RelayAgent result = new RelayAgent(config);
        if (!result.identity.enrolled()) {
            throw new IOException("this relay is not enrolled yet: run it once with --join-token (data dir "
                    + config.dataDir() + ")");
        }
        result.loop = Thread.ofVirtual().name("sluice-relay-connect").start(result::connectLoop);
        return result;
    }

    /** Waits until the gateway welcomed this relay once. */
    public boolean awaitConnected(Duration timeout) throws InterruptedException {
        return firstWelcome.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public String relayId() {
        return relayId.get();
    }

    /** The gateway's last refusal of this relay, if any (revoked, wrong group, ...). */
    public Optional<String> lastRefusal() {
        return lastRefusal;
    }

    private static ManagedChannel channel(RelayConfig config, ChannelCredentials credentials) {
        long keepalive = Math.max(1, config.heartbeat().toSeconds() * 2);
        return NettyChannelBuilder.forAddress(config.gateway().host(), config.gateway().port(), credentials)
                .overrideAuthority(RelayWire.GATEWAY_NAME)
                .maxInboundMessageSize(RelayWire.MAX_MESSAGE)
                .keepAliveTime(keepalive, TimeUnit.SECONDS)
                .keepAliveTimeout(keepalive, TimeUnit.SECONDS)
                .keepAliveWithoutCalls(true)
                .executor(Executors.newVirtualThreadPerTaskExecutor())
                .build();
    }

    private void connectLoop() {
        Duration backoff = MIN_BACKOFF;
        while (!closed.get()) {
            boolean welcomed = false;
            try {
                renewIfDue();
                welcomed = runControl();
            } catch (IOException | RuntimeException e) {
                LOG.warn("relay: {}", e.getMessage());
            } finally {
                ManagedChannel used = channel.getAndSet(null);
                if (used != null) {
                    used.shutdownNow();
                }
            }
            if (closed.get()) {
                return;
            }
            backoff = welcomed ? MIN_BACKOFF : min(backoff.multipliedBy(2), MAX_BACKOFF);
            // full jitter on the upper half: relays that lost the same gateway do not come back in step
            long millis = backoff.toMillis() / 2 + RANDOM.nextLong(backoff.toMillis() / 2 + 1);
            LOG.info("relay: reconnecting to {} in {} ms", config.gateway(), millis);
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private void renewIfDue() throws IOException {
        if (!identity.renewalDue(Instant.now())) {
            return;
        }
        ManagedChannel renewal = channel(config, identity.credentials());
        try {
            RelayIdentity.Request request = RelayIdentity.request();
            byte[] answer = ClientCalls.blockingUnaryCall(renewal, RelayWire.RENEW,
                    CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS),
                    RelayWire.encode(new RelayWire.RenewRequest(request.csr())));
            identity.save(request, RelayWire.decode(answer, RelayWire.Certificate.class), identity.ca());
            LOG.info("relay: certificate renewed");
        } catch (io.grpc.StatusRuntimeException e) {
            throw new IOException("certificate renewal refused: " + describe(e.getStatus()), e);
        } finally {
            renewal.shutdownNow();
        }
    }

    /** One control stream, until it ends; true when the gateway welcomed the relay on it. */
    private boolean runControl() throws IOException {
        ManagedChannel current = channel(config, identity.credentials());
        channel.set(current);
        CountDownLatch ended = new CountDownLatch(1);
        AtomicBoolean welcomed = new AtomicBoolean();
        StreamObserver<byte[]> requests = ClientCalls.asyncBidiStreamingCall(
                current.newCall(RelayWire.CONTROL, CallOptions.DEFAULT), new StreamObserver<byte[]>() {
                    @Override
                    public void onNext(byte[] value) {
                        try {
                            RelayWire.Control message = RelayWire.decode(value, RelayWire.Control.class);
                            switch (String.valueOf(message.type())) {
                                case "welcome" -> {
                                    relayId.set(message.id());
                                    welcomed.set(true);
                                    lastRefusal = Optional.empty();
                                    LOG.info("relay {}: connected to the gateway at {}", message.id(),
                                            config.gateway());
                                    firstWelcome.countDown();
                                }
                                case "open" -> executor.submit(() -> serve(current, message));
                                case "refused" -> {
                                    lastRefusal = Optional.ofNullable(message.error());
                                    LOG.error("relay: the gateway refused this relay: {}", message.error());
                                }
                                default -> LOG.warn("relay: unexpected control message {}", message.type());
                            }
                        } catch (IOException | RuntimeException e) {
                            LOG.warn("relay: {}", e.getMessage());
                        }
                    }

                    @Override
                    public void onError(Throwable t) {
                        Status status = Status.fromThrowable(t);
                        if (status.getCode() == Status.Code.PERMISSION_DENIED) {
                            lastRefusal = Optional.ofNullable(status.getDescription());
                        }
                        LOG.warn("relay: connection to the gateway ended: {}", describe(status));
                        ended.countDown();
                    }

                    @Override
                    public void onCompleted() {
                        ended.countDown();
                    }
                });
        control = requests;
        sendControl(RelayWire.Control.hello(config.group(), config.connections()));
        try {
            while (!ended.await(config.heartbeat().toMillis(), TimeUnit.MILLISECONDS)) {
                if (closed.get()) {
                    break;
                }
                sendControl(RelayWire.Control.heartbeat());
                if (welcomed.get() && identity.renewalDue(Instant.now())) {
                    LOG.info("relay: certificate renewal due; reconnecting");
                    break;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            controlLock.lock();
            try {
                requests.onError(Status.CANCELLED.withDescription("relay reconnecting").asRuntimeException());
            } catch (RuntimeException e) {
                // already ended
            } finally {
                controlLock.unlock();
            }
        }
        return welcomed.get();
    }

    private void sendControl(RelayWire.Control message) {
        controlLock.lock();
        try {
            control.onNext(RelayWire.encode(message));
        } catch (RuntimeException e) {
            // the stream ended; the loop reconnects
        } finally {
            controlLock.unlock();
        }
    }

    /** Serves one {@code open}: refuses what the config does not name, else opens, logs in and carries the bytes. */
    private void serve(ManagedChannel current, RelayWire.Control open) {
        String id = String.valueOf(open.id());
        Optional<RelayConfig.RelayTarget> target = Optional.ofNullable(open.connection())
                .map(config.targets()::get);
        String purpose = String.valueOf(open.purpose());
        Map<String, String> parameters = open.parameters() == null ? Map.of() : open.parameters();
        // fail closed: only the connections this relay's own config lists, and raw bytes for a cancel request only
        if (target.isEmpty()) {
            LOG.warn("relay: refused to open connection \"{}\": not in this relay's config", open.connection());
            refuse(current, id, "does not serve connection \"" + open.connection() + "\"");
            return;
        }
        if (!purpose.equals("session") && !purpose.equals("catalog") && !purpose.equals("cancel")) {
            refuse(current, id, "does not open connections for " + purpose);
            return;
        }
        // fail closed: an ssh target's tunnel is its channel service, opened for a caller's session only
        if (target.get().type().equals("ssh") && !purpose.equals("session")) {
            refuse(current, id, "opens ssh targets for sessions only");
            return;
        }
        UpstreamLogin login = logins.get(target.get().type());
        if (login == null && !purpose.equals("cancel")) {
            refuse(current, id, "cannot log in to " + target.get().type() + " targets");
            return;
        }
        // fail closed: a raw connection only carries a PostgreSQL cancel request; a raw web connection would be
        // the target without the relay's request rewriting
        if (purpose.equals("cancel") && !target.get().type().equals("postgres")) {
            refuse(current, id, "opens raw connections for postgres cancel requests only");
            return;
        }
        Socket socket = new Socket();
        AutoCloseable upstream = socket;
        try {
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(target.get().address().host(), target.get().address().port()),
                    CONNECT_TIMEOUT_MS);
            byte[] greeting = new byte[0];
            InputStream fromTarget = socket.getInputStream();
            OutputStream toTarget = socket.getOutputStream();
            java.util.function.UnaryOperator<InputStream> requests = UnaryIo.IDENTITY;
            if (!purpose.equals("cancel")) {
                dev.sluice.core.config.ConnectionConfig connection = target.get().connection(parameters);
                UpstreamLogin.LoggedIn in = login.login(connection, socket, parameters);
                greeting = in.greeting();
                fromTarget = in.input();
                toTarget = in.output();
                upstream = in.connection();
                requests = fromGateway -> UnaryIo.requests(login, connection, fromGateway);
            }
            carry(current, id, greeting, fromTarget, toTarget, upstream, socket, requests);
        } catch (IOException | RuntimeException e) {
            closeQuietly(upstream);
            closeQuietly(socket);
            LOG.warn("relay: connection \"{}\" ({}) failed: {}", open.connection(), purpose, e.getMessage());
            refuse(current, id, "connection \"" + open.connection() + "\": " + e.getMessage());
        }
    }

    private void refuse(ManagedChannel current, String id, String error) {
        try {
            ByteTunnel tunnel = openTunnel(current, "refusal " + id);
            tunnel.sendMessage(RelayWire.encode(new RelayWire.TunnelHeader(id, false, error)));
            tunnel.shutdownOutput();
        } catch (IOException | RuntimeException e) {
            LOG.warn("relay: could not tell the gateway: {}", e.getMessage());
        }
    }

    private ByteTunnel openTunnel(ManagedChannel current, String name) {
        ByteTunnel result = new ByteTunnel("gateway tunnel " + name);
        // callbacks on the transport's thread: they only queue bytes and signal (see ByteTunnel)
        ClientCalls.asyncBidiStreamingCall(current.newCall(RelayWire.TUNNEL, CallOptions.DEFAULT
                        .withExecutor(Runnable::run)),
                new ClientResponseObserver<byte[], byte[]>() {
                    @Override
                    public void beforeStart(ClientCallStreamObserver<byte[]> requests) {
                        requests.disableAutoRequestWithInitial(0);
                        result.attach(requests, () -> requests.cancel("closed by the relay", null));
                    }

                    @Override
                    public void onNext(byte[] value) {
                        result.received(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                        result.fail("gateway stream ended (" + Status.fromThrowable(t).getCode() + ")");
                    }

                    @Override
                    public void onCompleted() {
                        result.completed();
                    }
                });
        result.start();
        return result;
    }

    /** The header, the greeting, then both directions until either side ends; everything is closed after. */
    private void carry(ManagedChannel current, String id, byte[] greeting, InputStream fromTarget,
                       OutputStream toTarget, AutoCloseable upstream, Socket socket,
                       java.util.function.UnaryOperator<InputStream> requests) throws IOException {
        ByteTunnel tunnel = openTunnel(current, id);
        tunnel.sendMessage(RelayWire.encode(new RelayWire.TunnelHeader(id, true, null)));
        if (greeting.length > 0) {
            tunnel.output().write(greeting);
        }
        Runnable closeAll = () -> {
            tunnel.close();
            closeQuietly(upstream);
            closeQuietly(socket);
        };
        CountDownLatch done = new CountDownLatch(2);
        executor.submit(() -> {
            try {
                fromTarget.transferTo(new java.io.FilterOutputStream(tunnel.output()) {
                    @Override
                    public void write(byte[] b, int off, int len) throws IOException {
                        out.write(b, off, len);
                    }
                });
                tunnel.shutdownOutput();
            } catch (IOException | RuntimeException e) {
                closeAll.run();
            } finally {
                done.countDown();
            }
        });
        executor.submit(() -> {
            try {
                byte[] buffer = new byte[RelayWire.CHUNK];
                InputStream fromGateway = requests.apply(tunnel.input());
                int n;
                while ((n = fromGateway.read(buffer)) >= 0) {
                    toTarget.write(buffer, 0, n);
                    toTarget.flush();
                }
                socket.shutdownOutput();
            } catch (IOException | RuntimeException e) {
                closeAll.run();
            } finally {
                done.countDown();
            }
        });
        executor.submit(() -> {
            try {
                done.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            // both directions ended: complete the stream (a cancel could overtake the end-of-stream just sent)
            tunnel.finish();
            closeQuietly(upstream);
            closeQuietly(socket);
        });
    }

    /** The login's view of the gateway's bytes ({@link UpstreamLogin#requests}), as an operator. */
    private static final class UnaryIo {
        static final java.util.function.UnaryOperator<InputStream> IDENTITY = in -> in;

        static InputStream requests(UpstreamLogin login, dev.sluice.core.config.ConnectionConfig connection,
                                    InputStream fromGateway) {
            try {
                return login.requests(connection, fromGateway);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            // already closed
        }
    }

    private static String describe(Status status) {
        return status.getDescription() == null ? status.getCode().toString() : status.getDescription();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (loop != null) {
            loop.interrupt();
        }
        ManagedChannel current = channel.getAndSet(null);
        if (current != null) {
            current.shutdownNow();
        }
        executor.shutdownNow();
    }
}
