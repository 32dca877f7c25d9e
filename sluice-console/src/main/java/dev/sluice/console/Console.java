package dev.sluice.console;

import java.net.URI;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import io.javalin.config.RoutesConfig;

import dev.sluice.core.approval.ApprovalSettings;
import dev.sluice.core.config.ConfigProblems;
import dev.sluice.core.config.ConsoleSettings;
import dev.sluice.core.config.SluiceConfig;
import dev.sluice.core.identity.Principal;

/**
 * The web console for people, served by Sluice's own http listener under {@code /console} (and {@code /}, which
 * leads there): sign-in with OIDC or SAML, the approvals inbox and history, sessions and their replay, live
 * sessions, audit search and access requests. See {@code docs/console.md}.
 *
 * <p>Settings ({@link ConsoleSettings}) follow the configuration in force: a reload that changes the identity
 * provider applies to the next sign-in. Request handlers run on the listener's virtual threads. Thread-safe.
 */
public final class Console implements AutoCloseable {
    private final ConsoleServices services;
    private final BrowserSessions sessions;
    private final PendingSignIns pending;
    private final Guard guard;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
    private volatile Bound bound;
    private ApprovalRoutes approvalRoutes;
    private FollowRoutes followRoutes;

    /** The settings of one configuration, and the sign-ins built from them. */
    private record Bound(SluiceConfig config, ConsoleSettings settings, Optional<OidcSignIn> oidc,
                         Optional<SamlSignIn> saml) {
    }

    public Console(ConsoleServices services) {
        this.services = Objects.requireNonNull(services, "services");
        this.sessions = new BrowserSessions(services.browsers(), services.clock());
        this.pending = new PendingSignIns(services.browsers(), services.clock());
        this.guard = new Guard(sessions, this);
    }

    /** Adds the console's pages, JSON endpoints, event streams and assets to the listener's routes. */
    public void register(RoutesConfig routes) {
        routes.before("/console/*", Console::headers);
        routes.get("/", ctx -> ctx.redirect("/console/"));
        new SignInRoutes(this, guard, sessions, pending).register(routes);
        new PageRoutes(this, guard).register(routes);
        approvalRoutes = new ApprovalRoutes(this, guard);
        approvalRoutes.register(routes);
        new EvidenceRoutes(this, guard).register(routes);
        followRoutes = new FollowRoutes(this, guard);
        followRoutes.register(routes);
        new AccessRoutes(this, guard).register(routes);
        new LiveRoutes(this, guard).register(routes);
        Assets.register(routes);
    }

    /**
     * No framing, no sniffing, no referrer leaks, and scripts only from the console itself (WebAssembly compilation
     * allowed: the terminal player's emulator is WebAssembly; JavaScript eval stays refused).
     */
    private static void headers(io.javalin.http.Context ctx) {
        ctx.header("Content-Security-Policy", "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; "
                + "style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; "
                + "form-action 'self'; base-uri 'none'");
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("X-Frame-Options", "DENY");
        ctx.header("Referrer-Policy", "same-origin"); // "no-referrer" makes Chromium send "Origin: null" with forms
    }

    ConsoleServices services() {
        return services;
    }

    ConsoleSettings settings() {
        return bound().settings();
    }

    Optional<OidcSignIn> oidc() {
        return bound().oidc();
    }

    Optional<SamlSignIn> saml() {
        return bound().saml();
    }

    /** {@code console.public-url}, else the http listener's own address. */
    URI publicUrl() {
        return settings().publicUrl().orElseGet(services.listenerUrl());
    }

    /** The approval settings of the config in force (for the access approvers). */
    ApprovalSettings approvalSettings() {
        return ApprovalSettings.bind(services.state().get().config(), Map.copyOf(System.getenv()),
                new ConfigProblems());
    }

    Roles roles(Principal person) {
        return Roles.of(person, services.state().get(), approvalSettings(), services.auditor().test(person));
    }

    private Bound bound() {
        SluiceConfig config = services.state().get().config();
        Bound current = bound;
        if (current == null || current.config() != config) {
            // validated when that config was loaded: problems here were reported then
            ConsoleSettings settings = ConsoleSettings.bind(config, Map.copyOf(System.getenv()),
                    new ConfigProblems());
            boolean sameOidc = current != null && current.settings().oidc().equals(settings.oidc());
            boolean sameSaml = current != null && current.settings().saml().equals(settings.saml())
                    && current.settings().publicUrl().equals(settings.publicUrl());
            current = new Bound(config, settings,
                    sameOidc ? current.oidc() : settings.oidc().map(OidcSignIn::new),
                    sameSaml ? current.saml() : settings.saml().map(s -> new SamlSignIn(s, this::publicUrl)));
            bound = current;
        }
        return current;
    }

    boolean closed() {
        return closed.get();
    }

    /** Ends the open event streams (within a poll interval); call before the listener stops. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            if (approvalRoutes != null) {
                approvalRoutes.streams.awaitAllEnded(java.time.Duration.ofSeconds(2));
                followRoutes.streams.awaitAllEnded(java.time.Duration.ofSeconds(2));
            }
            services.browsers().close();
        }
    }
}
