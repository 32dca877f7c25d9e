package dev.sluice.server;

import java.net.URI;
import java.time.Clock;

import dev.sluice.console.Console;
import dev.sluice.console.ConsoleServices;
import dev.sluice.console.ImpactPreview;
import dev.sluice.console.LiveView;
import dev.sluice.core.config.HostPort;
import dev.sluice.store.AuditSettings;
import dev.sluice.store.AuditStores;

/**
 * Wires the web console ({@code sluice-console}) to this gateway: the same approvals service, audit store and
 * reader, and the REST API's auditor rule ({@link ApiAuth#isAuditor}), so a person in a browser is authorised
 * exactly as a bearer token is.
 */
final class GatewayConsole {
    private GatewayConsole() {
    }

    static Console create(Gateway gateway, Clock clock, LiveView live, ImpactPreview impact) {
        return new Console(new ConsoleServices(gateway::state, gateway.approvals(), gateway.audit(),
                gateway.evidence().reader(), p -> ApiAuth.isAuditor(p, gateway), () -> listenerUrl(gateway), live,
                impact, AuditStores.consoleSessions(AuditSettings.of(gateway.state().config())), clock));
    }

    /** The http listener's own address (a wildcard host is reached on loopback). */
    static URI listenerUrl(Gateway gateway) {
        HostPort listen = gateway.state().config().listen().http().orElse(new HostPort("127.0.0.1", 8443));
        String host = listen.host().equals("0.0.0.0") || listen.host().equals("::") ? "127.0.0.1" : listen.host();
        int port = gateway.httpPort() > 0 ? gateway.httpPort() : listen.port();
        return URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port);
    }
}
