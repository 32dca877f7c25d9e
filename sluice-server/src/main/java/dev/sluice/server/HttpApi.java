package dev.sluice.server;

import java.util.Map;

import io.javalin.Javalin;
import io.javalin.http.Context;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sluice.console.Console;
import dev.sluice.core.config.HostPort;

/**
 * The REST API on the http listener. Errors are JSON with a fitting status. Health, the approvals API
 * ({@link ApprovalsApi}), the audit API ({@link AuditApi}), operations, and the web console for people
 * ({@link GatewayConsole}, under {@code /console}).
 */
final class HttpApi implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);
    private final Javalin app;
    private final Console console;

    private HttpApi(Javalin app, Console console) {
        this.app = app;
        this.console = console;
    }

    static HttpApi start(HostPort address, Gateway gateway) {
        Console console = GatewayConsole.create(gateway, gateway.clock(),
                dev.sluice.console.LiveView.of(gateway.sessions()),
                new SqlImpactPreview(gateway::state));
        Javalin app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.concurrency.useVirtualThreads = true;
            config.jetty.host = address.host();
            config.jetty.port = address.port();
            config.routes.get("/api/health", ctx -> ctx.json(Map.of("status", "ok",
                    "policyRules", gateway.state().policies().rules().size())));
            ApprovalsApi.register(config.routes, gateway);
            LiveSessionsApi.register(config.routes, gateway);
            RelaysApi.register(config.routes, gateway);
            AuditApi.register(config.routes, gateway);
            OpsApi.register(config.routes, gateway);
            console.register(config.routes);
            config.routes.exception(Exception.class, HttpApi::internalError);
            config.routes.error(404, ctx -> {
                if (ctx.attribute(ApprovalsApi.ANSWERED) == null) { // keep an API's own 404 body
                    ctx.json(Map.of("error", "not found"));
                }
            });
        });
        app.start();
        return new HttpApi(app, console);
    }

    /**
     * Answers 500 with a JSON body, and never throws. A request whose handler outlived it (an event stream that ends
     * while the listener stops, when Jetty has already recycled the request) has no response left to write to: the
     * answer is dropped. Throwing from here instead made Javalin 7 retry its exception handling on that request in a
     * loop, one core spinning and hundreds of thousands of log lines a minute for as long as the JVM lived.
     */
    static void internalError(Exception e, Context ctx) {
        try {
            ctx.status(500).json(Map.of("error", "internal error"));
        } catch (RuntimeException gone) {
            LOG.debug("no response left for a failed request ({}): {}", e.getClass().getSimpleName(), gone.toString());
        }
    }

    int port() {
        return app.port();
    }

    @Override
    public void close() {
        console.close(); // its event streams end before the listener goes
        app.stop();
    }
}
