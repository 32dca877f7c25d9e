package dev.sluice.server;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;

import javax.net.ssl.SSLContext;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sluice.core.access.AccessFlow;
import dev.sluice.core.access.GatewayState;
import dev.sluice.core.audit.AuditEvent;
import dev.sluice.core.config.ConfigException;
import dev.sluice.core.config.ConfigProblem;
import dev.sluice.core.config.ListenerLimits;
import dev.sluice.core.config.SluiceConfig;
import dev.sluice.core.identity.TokenVerifier;
import dev.sluice.core.session.SessionService;
import dev.sluice.core.spi.DirectDialer;
import dev.sluice.core.spi.ProtocolContext;
import dev.sluice.core.spi.ProtocolListener;
import dev.sluice.core.spi.ProtocolProvider;
import dev.sluice.export.ExportStatus;
import dev.sluice.postgres.PostgresListener;
import dev.sluice.relay.RelayDialer;
import dev.sluice.relay.RelayHub;
import dev.sluice.relay.RelayRegistry;
import dev.sluice.relay.RelayStatus;
import dev.sluice.relay.RelaysConfig;
import dev.sluice.store.AuditSettings;
import dev.sluice.store.AuditStore;
import dev.sluice.store.AuditStores;

/**
 * A running Sluice: the audit store, identity, live configuration and the listeners, wired once. Rule, connection
 * and identity changes in the config and policy files apply live to the next command of every session; a change
 * that does not validate is refused, audited, and the last good configuration stays in force. Listener addresses
 * and the data dir are read at start only.
 *
 * <p>Every protocol writes its audit events through a {@link MeteredAuditLog}, from which the metrics and the
 * audit half of readiness are derived; {@link #drain} stops taking sessions and ends the open ones.
 */
public final class Gateway implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);

    private final Path configFile;
    private final Clock clock;
    private final AuditStore audit;
    private final OpsConfig ops;
    private final GatewayMetrics metrics;
    private final AuditHealth auditHealth;
    private final MeteredAuditLog metered;
    private final SessionService sessions;
    private final AtomicBoolean closed = new AtomicBoolean();
    static final List<String> READINESS_CHECKS = List.of("audit", "draining");
    private final AtomicReference<GatewayState> state;
    private final AtomicReference<TokenVerifier> verifier;
    private final GatewayApprovals approvals;
    private final ReentrantLock reloadLock = new ReentrantLock();
    private final List<AutoCloseable> resources = new ArrayList<>();
    private final java.util.Map<String, ProtocolListener> listeners = new java.util.LinkedHashMap<>();
    private HttpApi http;
    private Optional<RelayHub> relays = Optional.empty();
    private Evidence evidence;

    private Gateway(Path configFile, GatewayState initial, Clock clock) {
        this.configFile = configFile;
        this.clock = clock;
        this.state = new AtomicReference<>(initial);
        this.verifier = new AtomicReference<>(Identities.verifier(initial.config(), clock));
        this.audit = AuditStores.open(initial.config(), clock);
        this.ops = OpsConfig.of(initial.config());
        this.metrics = new GatewayMetrics(state::get);
        this.auditHealth = new AuditHealth(AuditSettings.of(initial.config()), audit);
        this.metered = new MeteredAuditLog(audit, metrics, auditHealth);
        this.approvals = new GatewayApprovals(metered, initial.config(), state::get, clock, this::httpPort);
        this.sessions = new SessionService(state::get, metered, clock, approvals.service(),
                ListenerLimits.of(initial.config()).maxSessions());
    }

    /** Loads, validates and starts everything; throws {@link ConfigException} when the config does not validate. */
    public static Gateway start(Path configFile, Clock clock) throws IOException {
        GatewayState initial = GatewayStates.load(configFile);
        Gateway result = new Gateway(configFile, initial, clock);
        try {
            result.startListeners();
        } catch (IOException | RuntimeException e) {
            result.close();
            throw e;
        }
        return result;
    }

    private void startListeners() throws IOException {
        SluiceConfig config = state.get().config();
        ConfigWarnings.of(config).forEach(warning -> LOG.warn("{}", warning));
        resources.add(approvals);
        AccessFlow access = new AccessFlow(token -> verifier.get().verify(token), state::get, metered, clock,
                approvals.service());
        sessions.onUpstreamFailure(metrics::upstreamConnectFailed);
        Optional<SSLContext> tls = Optional.of(ServerTls.context(config.tls(), config.dataDir()));
        relays = startRelays(config);
        dev.sluice.core.spi.Dialer dialer = new RelayDialer(new DirectDialer(), relays);
        for (ProtocolProvider provider : ProtocolProvider.installed()) {
            Optional<dev.sluice.core.config.HostPort> address = config.listen().protocol(provider.name());
            if (address.isPresent()) {
                ProtocolListener listener = provider.start(new ProtocolContext(address.get(), state::get, access,
                        sessions, dialer, metered, clock, tls, config.dataDir()));
                listeners.put(provider.name(), listener);
                resources.add(listener);
            }
        }
        evidence = Evidence.start(config, clock);
        resources.add(evidence);
        registerGauges();
        if (config.listen().http().isPresent()) {
            http = HttpApi.start(config.listen().http().get(), this);
            resources.add(http);
        }
        ConfigWatcher watcher = new ConfigWatcher(this::watchedFiles, Duration.ofMillis(500), this::reload);
        resources.add(watcher);
    }

    /** The relay listener when {@code relays.listen} is set: relays of a {@code via} connection's group dial in. */
    private Optional<RelayHub> startRelays(SluiceConfig config) throws IOException {
        dev.sluice.core.config.ConfigProblems problems = new dev.sluice.core.config.ConfigProblems();
        Optional<RelaysConfig> section = RelaysConfig.of(config, problems);
        problems.throwIfAny();
        if (section.isEmpty()) {
            return Optional.empty();
        }
        RelayHub result = RelayHub.start(section.get(), RelayRegistry.open(config.dataDir(), clock), metered, clock,
                (session, reason) -> sessions.find(session).ifPresent(s -> s.terminate(reason)));
        resources.add(result);
        return Optional.of(result);
    }

    /** The connected relays; empty without a relay listener. */
    public java.util.List<RelayStatus> relays() {
        return relays.map(RelayHub::list).orElse(java.util.List.of());
    }

    /** The relay listener's port; -1 when it is off. */
    public int relayPort() {
        return relays.map(RelayHub::port).orElse(-1);
    }

    private void registerGauges() {
        metrics.gauge("sluice.audit.queue.depth", "audit events queued for the store's writer", audit::queueDepth);
        metrics.gauge("sluice.draining", "1 while the gateway drains", () -> sessions.draining() ? 1 : 0);
        if (relays.isPresent()) {
            metrics.gauge("sluice.relays.healthy", "relays connected with a recent heartbeat",
                    () -> relays().stream().filter(RelayStatus::healthy).count());
            metrics.gauge("sluice.relays.sessions", "sessions carried by relays",
                    () -> relays().stream().mapToInt(RelayStatus::sessions).sum());
        }
        metrics.gauge("sluice.ready", "1 while /readyz answers 200", () -> readinessProblems().isEmpty() ? 1 : 0);
        for (ExportStatus sink : evidence.exports()) {
            String name = sink.name();
            metrics.gauge("sluice.export.lag.events", "audit events written but not yet delivered to the sink",
                    "sink", name, () -> exportStatus(name).map(ExportStatus::lag).orElse(0L));
            metrics.gauge("sluice.export.failures.consecutive", "consecutive failed deliveries to the sink",
                    "sink", name, () -> exportStatus(name).map(ExportStatus::failures).orElse(0));
        }
    }

    private Optional<ExportStatus> exportStatus(String name) {
        return evidence.exports().stream().filter(s -> s.name().equals(name)).findFirst();
    }

    private List<Path> watchedFiles() {
        List<Path> result = new ArrayList<>();
        result.add(configFile);
        result.addAll(GatewayStates.policyFiles(state.get().config()));
        return result;
    }

    /** Re-reads config and policies; keeps the current state when they do not validate. Audited either way. */
    public boolean reload() {
        reloadLock.lock();
        try {
            GatewayState next = GatewayStates.load(configFile);
            TokenVerifier nextVerifier = Identities.verifier(next.config(), clock);
            state.set(next);
            verifier.set(nextVerifier);
            LOG.info("configuration reloaded from {}: {} policy rules", configFile, next.policies().rules().size());
            recordReload(true, List.of());
            metrics.configReloaded(true);
            return true;
        } catch (ConfigException e) {
            LOG.error("configuration reload rejected; the last good configuration stays in force:\n{}",
                    e.getMessage());
            recordReload(false, e.problems().stream().map(ConfigProblem::toString).toList());
            metrics.configReloaded(false);
            return false;
        } catch (RuntimeException e) {
            LOG.error("configuration reload failed; the last good configuration stays in force", e);
            recordReload(false, List.of(e.getMessage() == null ? e.toString() : e.getMessage()));
            metrics.configReloaded(false);
            return false;
        } finally {
            reloadLock.unlock();
        }
    }

    private void recordReload(boolean accepted, List<String> problems) {
        try {
            metered.append(new AuditEvent.ConfigReloaded(clock.instant(), configFile.toString(), accepted, problems));
        } catch (RuntimeException e) {
            LOG.error("could not record the configuration reload", e);
        }
    }

    public GatewayState state() {
        return state.get();
    }

    /** The gateway's sessions: the live-session registry, drain. */
    public SessionService sessions() {
        return sessions;
    }

    public AuditStore audit() {
        return audit;
    }

    /** Just-in-time approvals: held statements, access requests and grants. */
    dev.sluice.core.approval.Approvals approvals() {
        return approvals.service();
    }

    Clock clock() {
        return clock;
    }

    Evidence evidence() {
        return evidence;
    }

    TokenVerifier verifier() {
        return token -> verifier.get().verify(token);
    }

    public int postgresPort() {
        return port("postgres");
    }

    /** The port of a protocol's listener; -1 when it is off. */
    public int port(String protocol) {
        ProtocolListener listener = listeners.get(protocol);
        return listener == null ? -1 : listener.port();
    }

    /** The PostgreSQL listener, for its handshake and session counts; empty when turned off. */
    Optional<PostgresListener> postgresListener() {
        return Optional.ofNullable(listeners.get("postgres")).map(PostgresListener.class::cast);
    }

    public int httpPort() {
        return http == null ? -1 : http.port();
    }

    /**
     * Drains: from now on new sessions are refused (PostgreSQL: FATAL 57P03) and readiness is false; open sessions
     * may go on for up to {@code timeout}; those still open then are ended with FATAL 57P01 through the same path an
     * expired access grant takes. Returns once every session has ended (their {@code session.end} queued) or a
     * short grace after ending them has passed. Call {@link #close} next: it commits and signs the audit tail.
     *
     * @return how many sessions had to be ended at the deadline
     */
    public int drain(Duration timeout) {
        sessions.drain();
        LOG.info("draining: refusing new sessions; {} open session(s) may go on for up to {}s",
                sessions.openSessions(), timeout.toSeconds());
        long deadline = System.nanoTime() + timeout.toNanos();
        waitForSessions(deadline);
        int result = sessions.openSessions();
        if (result > 0) {
            LOG.info("drain deadline reached: ending {} open session(s)", result);
            sessions.endAll(SessionService.DRAINING_MESSAGE);
            waitForSessions(System.nanoTime() + Duration.ofSeconds(5).toNanos());
        }
        LOG.info("drained");
        return result;
    }

    private void waitForSessions(long deadline) {
        while (sessions.openSessions() > 0 && System.nanoTime() - deadline < 0) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Drain, as the config's {@code shutdown.drain-timeout} says. */
    public int drain() {
        return drain(ops.drainTimeout());
    }

    /** Failed readiness checks by name ({@link #READINESS_CHECKS}) with why; empty when ready. */
    Map<String, String> readinessProblems() {
        Map<String, String> result = new LinkedHashMap<>();
        auditHealth.problem().ifPresent(p -> result.put("audit", p));
        if (sessions.draining()) {
            result.put("draining", "the gateway is shutting down");
        }
        return result;
    }

    OpsConfig ops() {
        return ops;
    }

    GatewayMetrics metrics() {
        return metrics;
    }

    /** Stops everything; the audit store commits what is queued and signs a closing checkpoint. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        for (AutoCloseable resource : resources.reversed()) {
            try {
                resource.close();
            } catch (Exception e) {
                LOG.warn("while stopping: {}", e.getMessage());
            }
        }
        audit.close();
    }
}
