package dev.sluice.server;

import java.net.URI;
import java.time.Clock;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

import dev.sluice.core.access.GatewayState;
import dev.sluice.core.approval.ApprovalSettings;
import dev.sluice.core.approval.ApprovalStore;
import dev.sluice.core.approval.Approvals;
import dev.sluice.core.audit.AuditLog;
import dev.sluice.core.config.HostPort;
import dev.sluice.core.config.SluiceConfig;
import dev.sluice.store.AuditSettings;
import dev.sluice.store.AuditStores;

/**
 * The approvals of one gateway: the store (beside the audit trail, so that instances sharing it share requests),
 * the settings of the config in force (bound with each configuration generation), and the {@link Approvals} service.
 */
final class GatewayApprovals implements AutoCloseable {
    private final ApprovalStore store;
    private final Supplier<GatewayState> state;
    private final IntSupplier httpPort;
    private final Approvals service;

    /**
     * Requests and grants live where the audit trail does ({@link AuditStores#approvals}): in the PostgreSQL store,
     * shared by every replica pointing at it (a decision taken through one releases a statement held by another on
     * its next poll), or in the embedded file of the data dir.
     */
    GatewayApprovals(AuditLog audit, SluiceConfig config, Supplier<GatewayState> state, Clock clock,
                     IntSupplier httpPort) {
        this.store = AuditStores.approvals(AuditSettings.of(config));
        this.state = state;
        this.httpPort = httpPort;
        this.service = new Approvals(store, audit, clock, state, this::settings, this::publicUrl);
    }

    Approvals service() {
        return service;
    }

    /** The settings of the generation in force: bound and validated once, when it was loaded. */
    ApprovalSettings settings() {
        return state.get().section(ApprovalSettings.class).orElseGet(ApprovalSettings::defaults);
    }

    /** {@code approvals.public-url}, else the http listener's own address. */
    URI publicUrl() {
        ApprovalSettings settings = settings();
        if (settings.publicUrl().isPresent()) {
            return settings.publicUrl().get();
        }
        HostPort listen = state.get().config().listen().http().orElse(new HostPort("127.0.0.1", 8443));
        String host = listen.host().equals("0.0.0.0") || listen.host().equals("::") ? "127.0.0.1" : listen.host();
        int port = httpPort.getAsInt() > 0 ? httpPort.getAsInt() : listen.port();
        return URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port);
    }

    @Override
    public void close() {
        store.close();
    }
}
