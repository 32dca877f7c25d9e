package dev.sluice.server;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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
import dev.sluice.core.config.LimitsConfig;
import dev.sluice.core.config.SluiceConfig;
import dev.sluice.core.identity.TokenVerifier;
import dev.sluice.postgres.CancelRegistry;
import dev.sluice.postgres.PostgresListener;
import dev.sluice.postgres.PostgresServices;
import dev.sluice.postgres.SqlClassifier;
import dev.sluice.store.AuditStore;
import dev.sluice.store.AuditStores;

/**
 * A running Sluice: the audit store, identity, live configuration and the listeners, wired once. Rule, connection
 * and identity changes in the config and policy files apply live to the next command of every session; a change
 * that does not validate is refused, audited, and the last good configuration stays in force. Listener addresses
 * and the data dir are read at start only.
 */
public final class Gateway implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);
    static final int MAX_CONNECTIONS = 1000;

    private final Path configFile;
    private final Clock clock;
    private final AuditStore audit;
    private final AtomicReference<GatewayState> state;
    private final AtomicReference<TokenVerifier> verifier;
    private final GatewayApprovals approvals;
    private final ReentrantLock reloadLock = new ReentrantLock();
    private final List<AutoCloseable> resources = new ArrayList<>();
    private PostgresListener postgres;
    private HttpApi http;
    private Evidence evidence;

    private Gateway(Path configFile, GatewayState initial, Clock clock) {
        this.configFile = configFile;
        this.clock = clock;
        this.state = new AtomicReference<>(initial);
        this.verifier = new AtomicReference<>(Identities.verifier(initial.config(), clock));
        this.audit = AuditStores.open(initial.config(), clock);
        this.approvals = new GatewayApprovals(audit, initial.config(), state::get, clock, this::httpPort);
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
        resources.add(approvals);
        AccessFlow access = new AccessFlow(token -> verifier.get().verify(token), state::get, audit, clock,
                approvals.service());
        Optional<SSLContext> tls = Optional.of(ServerTls.context(config.tls(), config.dataDir()));
        if (config.listen().postgres().isPresent()) {
            PostgresServices services = new PostgresServices(access, state::get, audit, clock,
                    SqlClassifier.create(SqlClassifier.DEFAULT_CACHE_ENTRIES, LimitsConfig.of(config)),
                    new CancelRegistry(), tls, config.tls().allowPlaintext(), MAX_CONNECTIONS, approvals.service());
            postgres = PostgresListener.start(config.listen().postgres().get(), services);
            resources.add(postgres);
        }
        evidence = Evidence.start(config, clock);
        resources.add(evidence);
        if (config.listen().http().isPresent()) {
            http = HttpApi.start(config.listen().http().get(), this);
            resources.add(http);
        }
        ConfigWatcher watcher = new ConfigWatcher(this::watchedFiles, Duration.ofMillis(500), this::reload);
        resources.add(watcher);
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
            return true;
        } catch (ConfigException e) {
            LOG.error("configuration reload rejected; the last good configuration stays in force:\n{}",
                    e.getMessage());
            recordReload(false, e.problems().stream().map(ConfigProblem::toString).toList());
            return false;
        } catch (RuntimeException e) {
            LOG.error("configuration reload failed; the last good configuration stays in force", e);
            recordReload(false, List.of(e.getMessage() == null ? e.toString() : e.getMessage()));
            return false;
        } finally {
            reloadLock.unlock();
        }
    }

    private void recordReload(boolean accepted, List<String> problems) {
        try {
            audit.append(new AuditEvent.ConfigReloaded(clock.instant(), configFile.toString(), accepted, problems));
        } catch (RuntimeException e) {
            LOG.error("could not record the configuration reload", e);
        }
    }

    public GatewayState state() {
        return state.get();
    }

    public AuditStore audit() {
        return audit;
    }

    /** Just-in-time approvals: held statements, access requests and grants. */
    dev.sluice.core.approval.Approvals approvals() {
        return approvals.service();
    }

    Evidence evidence() {
        return evidence;
    }

    TokenVerifier verifier() {
        return token -> verifier.get().verify(token);
    }

    public int postgresPort() {
        return postgres == null ? -1 : postgres.port();
    }

    public int httpPort() {
        return http == null ? -1 : http.port();
    }

    @Override
    public void close() {
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
