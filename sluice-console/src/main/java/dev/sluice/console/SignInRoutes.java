package dev.sluice.console;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sluice.console.BrowserSessions.BrowserSession;
import dev.sluice.console.PendingSignIns.Pending;
import dev.sluice.core.SluiceException;
import dev.sluice.core.audit.AuditContext;
import dev.sluice.core.audit.AuditEvent;
import dev.sluice.core.audit.SessionId;
import dev.sluice.core.identity.Principal;

/**
 * Sign-in, sign-out and the no-access page. A sign-in is bound to the browser that began it by a short-lived
 * {@code sluice_signin} cookie whose hash is stored with the pending request: a code or assertion carried to another
 * browser (login CSRF) is refused. The landing path after sign-in is a console path only (no open redirect).
 */
final class SignInRoutes {
    private static final Logger LOG = LoggerFactory.getLogger(SignInRoutes.class);
    static final String SIGNIN_COOKIE = "sluice_signin";

    private final Console console;
    private final Guard guard;
    private final BrowserSessions sessions;
    private final PendingSignIns pending;

    SignInRoutes(Console console, Guard guard, BrowserSessions sessions, PendingSignIns pending) {
        this.console = console;
        this.guard = guard;
        this.sessions = sessions;
        this.pending = pending;
    }

    void register(RoutesConfig routes) {
        routes.get("/console/login", this::login);
        routes.get("/console/login/oidc", this::startOidc);
        routes.get("/console/oidc/callback", this::finishOidc);
        routes.get("/console/login/saml", this::startSaml);
        routes.post("/console/saml/acs", this::finishSaml);
        routes.get("/console/saml/metadata", this::samlMetadata);
        routes.post("/console/logout", this::logout);
        routes.post("/console/oidc/backchannel-logout", this::backchannelLogout);
        routes.get("/console/saml/slo", this::samlLoggedOut);
        routes.post("/console/saml/slo", this::samlLoggedOut);
        routes.get("/console/no-access", this::noAccess);
        routes.get("/console/api/me", this::me);
    }

    /** Who this browser is signed in as, and what the console lets them do. */
    private void me(Context ctx) {
        Optional<BrowserSession> session = guard.api(ctx);
        if (session.isEmpty()) {
            return;
        }
        Principal person = session.get().principal();
        Roles roles = console.roles(person);
        Map<String, Object> result = new java.util.LinkedHashMap<>();
        result.put("issuer", person.issuer());
        result.put("subject", person.subject());
        result.put("display_name", person.displayName());
        result.put("groups", person.groups().stream().sorted().toList());
        result.put("method", session.get().method());
        result.put("expires", session.get().expires().toString());
        result.put("roles", Map.of("approver", roles.approver(), "auditor", roles.auditor(), "requester",
                roles.requester()));
        ctx.json(result);
    }

    private void login(Context ctx) {
        String next = safeNext(ctx.queryParam("next"));
        if (guard.session(ctx).isPresent()) {
            ctx.redirect(next);
            return;
        }
        List<String> methods = new ArrayList<>();
        console.oidc().ifPresent(o -> methods.add("oidc"));
        console.saml().ifPresent(s -> methods.add("saml"));
        String error = Optional.ofNullable(ctx.queryParam("error")).orElse("");
        if (methods.size() == 1 && error.isEmpty() && ctx.queryParam("signed-out") == null) {
            ctx.redirect("/console/login/" + methods.getFirst() + "?next=" + encode(next));
            return;
        }
        ctx.html(Pages.login(methods, next, error.length() > 300 ? error.substring(0, 300) : error,
                ctx.queryParam("signed-out") != null));
    }

    private void startOidc(Context ctx) {
        Optional<OidcSignIn> oidc = console.oidc();
        if (oidc.isEmpty()) {
            fail(ctx, "OIDC sign-in is not configured (identity.people.oidc)");
            return;
        }
        String state = BrowserSessions.random();
        String nonce = BrowserSessions.random();
        String verifier = BrowserSessions.random() + BrowserSessions.random();
        String browser = BrowserSessions.random();
        if (!pending.add(new Pending(state, verifier, nonce, safeNext(ctx.queryParam("next")),
                BrowserSessions.hash(browser), console.services().clock().instant()))) {
            fail(ctx, "too many sign-ins under way; try again in a few minutes");
            return;
        }
        URI target;
        try {
            target = oidc.get().authorizationUrl(redirectUri(), state, nonce, verifier);
        } catch (SluiceException e) {
            fail(ctx, e.getMessage());
            return;
        }
        Guard.setCookie(ctx, SIGNIN_COOKIE, browser, PendingSignIns.TTL.toSeconds(), "Lax");
        ctx.redirect(target.toString());
    }

    private void finishOidc(Context ctx) {
        Optional<Pending> started = pending.take(ctx.queryParam("state"));
        if (started.isEmpty() || !sameBrowser(ctx, started.get())) {
            refused(ctx, "oidc", "unknown, used, expired or other-browser sign-in");
            fail(ctx, "this sign-in was not started here, was already used, or took too long; sign in again");
            return;
        }
        if (ctx.queryParam("error") != null || ctx.queryParam("code") == null) {
            fail(ctx, "the identity provider did not sign you in");
            return;
        }
        Optional<OidcSignIn> oidc = console.oidc();
        if (oidc.isEmpty()) {
            fail(ctx, "OIDC sign-in is not configured (identity.people.oidc)");
            return;
        }
        try {
            OidcSignIn.Verified verified = oidc.get().redeem(ctx.queryParam("code"), redirectUri(),
                    started.get().nonce(), started.get().secret());
            signedIn(ctx, verified.person(), "oidc", verified.sid(), started.get().returnTo());
        } catch (SluiceException e) {
            LOG.warn("console OIDC sign-in refused: {}", e.getMessage());
            refused(ctx, "oidc", e.getMessage());
            fail(ctx, e.getMessage());
        }
    }

    private void startSaml(Context ctx) {
        Optional<SamlSignIn> saml = console.saml();
        if (saml.isEmpty()) {
            fail(ctx, "SAML sign-in is not configured (identity.people.saml)");
            return;
        }
        String relayState = BrowserSessions.random();
        String browser = BrowserSessions.random();
        SamlSignIn.Request request;
        try {
            request = saml.get().request(relayState);
        } catch (SluiceException e) {
            fail(ctx, e.getMessage());
            return;
        }
        if (!pending.add(new Pending(relayState, request.id(), "", safeNext(ctx.queryParam("next")),
                BrowserSessions.hash(browser), console.services().clock().instant()))) {
            fail(ctx, "too many sign-ins under way; try again in a few minutes");
            return;
        }
        // the IdP answers with a cross-site POST: only a SameSite=None cookie comes along with it
        Guard.setCookie(ctx, SIGNIN_COOKIE, browser, PendingSignIns.TTL.toSeconds(), "None");
        ctx.redirect(request.redirect().toString());
    }

    private void finishSaml(Context ctx) {
        Optional<Pending> started = pending.take(ctx.formParam("RelayState"));
        if (started.isEmpty() || !sameBrowser(ctx, started.get())) {
            refused(ctx, "saml", "unknown, used, expired or other-browser sign-in");
            fail(ctx, "this sign-in was not started here, was already used, or took too long; sign in again");
            return;
        }
        Optional<SamlSignIn> saml = console.saml();
        if (saml.isEmpty()) {
            fail(ctx, "SAML sign-in is not configured (identity.people.saml)");
            return;
        }
        try {
            SamlSignIn.Verified verified = saml.get().verify(Optional.ofNullable(ctx.formParam("SAMLResponse"))
                    .orElse(""), started.get().secret());
            signedIn(ctx, verified.person(), "saml", verified.sessionIndex(), started.get().returnTo());
        } catch (SluiceException e) {
            LOG.warn("console SAML sign-in refused: {}", e.getMessage());
            refused(ctx, "saml", e.getMessage());
            fail(ctx, e.getMessage());
        }
    }

    private void samlMetadata(Context ctx) {
        Optional<SamlSignIn> saml = console.saml();
        if (saml.isEmpty()) {
            ctx.status(404).result("SAML sign-in is not configured");
            return;
        }
        ctx.contentType("application/samlmetadata+xml").result(saml.get().metadata());
    }

    private void signedIn(Context ctx, Principal person, String method, String idpSession, String returnTo) {
        try {
            // durable before the session exists: a sign-in that cannot be recorded does not happen (fail closed)
            console.services().audit().append(new AuditEvent.PersonSignIn(console.services().clock().instant(),
                    new AuditContext(new SessionId(""), Optional.of(person), "", ctx.ip()), method, true, ""));
        } catch (RuntimeException e) {
            LOG.error("cannot record a console sign-in; refusing it", e);
            fail(ctx, "the sign-in could not be recorded in the audit trail; try again later");
            return;
        }
        Optional<String> cookie = sessions.create(person, method, idpSession,
                console.settings().sessionLifetime());
        if (cookie.isEmpty()) {
            fail(ctx, "too many signed-in browsers; try again later");
            return;
        }
        LOG.info("console sign-in: {} ({}) by {}", person.subject(), person.issuer(), method);
        Guard.setCookie(ctx, Guard.COOKIE, cookie.get(), console.settings().sessionLifetime().toSeconds(), "Lax");
        Guard.clearCookie(ctx, SIGNIN_COOKIE);
        ctx.redirect(console.roles(person).any() ? returnTo : "/console/no-access");
    }

    /** Audits a refused sign-in (best effort: the refusal stands either way). */
    private void refused(Context ctx, String method, String reason) {
        try {
            console.services().audit().appendLater(new AuditEvent.PersonSignIn(console.services().clock().instant(),
                    new AuditContext(new SessionId(""), Optional.empty(), "", ctx.ip()), method, false,
                    reason.length() > 300 ? reason.substring(0, 300) : reason));
        } catch (RuntimeException e) {
            LOG.warn("cannot record a refused console sign-in: {}", e.getMessage());
        }
    }

    /**
     * Sign-out: the session ends in the store (so on every replica), the sign-out is audited, and the browser goes
     * on to the identity provider's own logout when it offers one (SAML single logout, OIDC end-session), which
     * sends it back to the signed-out page.
     */
    private void logout(Context ctx) {
        Optional<BrowserSession> session = guard.change(ctx);
        if (session.isEmpty()) {
            return;
        }
        BrowserSession ended = session.get();
        Guard.clearCookie(ctx, Guard.COOKIE);
        try {
            sessions.end(ended); // first: the session is over whatever happens next
        } catch (RuntimeException e) {
            LOG.error("cannot end a console session in the store", e);
            ctx.status(503).html(Pages.login(methods(), "/console/", "the sign-out could not be completed (the "
                    + "session store is unavailable); try again", false));
            return;
        }
        try {
            console.services().audit().append(new AuditEvent.PersonSignOut(console.services().clock().instant(),
                    new AuditContext(new SessionId(""), Optional.of(ended.principal()), "", ctx.ip()),
                    ended.method(), "signed-out"));
        } catch (RuntimeException e) {
            LOG.error("cannot record a console sign-out (the session has ended)", e);
        }
        LOG.info("console sign-out: {} ({})", ended.principal().subject(), ended.principal().issuer());
        Optional<URI> idp = idpLogout(ended);
        if (idp.isPresent()) {
            ctx.html(Pages.leaving(idp.get()));
        } else {
            ctx.redirect("/console/login?signed-out=1");
        }
    }

    /** The identity provider's logout for this session, when it offers one; empty when it does not or fails. */
    private Optional<URI> idpLogout(BrowserSession ended) {
        URI back = URI.create(console.publicUrl() + "/console/login?signed-out=1");
        try {
            return switch (ended.method()) {
                case "saml" -> console.saml().flatMap(s -> s.logout(ended.principal().subject(),
                        ended.idpSession(), BrowserSessions.random()));
                case "oidc" -> console.oidc().flatMap(o -> o.logoutUrl(back));
                default -> Optional.empty();
            };
        } catch (SluiceException e) {
            LOG.warn("signed out of the console, but not of the identity provider: {}", e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * OIDC back-channel logout: the provider posts a signed logout token when the person signs out there (or an
     * administrator ends their sessions); the console sessions it names end on every replica sharing the store and
     * each end is audited ({@code console.signout}, reason {@code idp-logout}). No cookie or CSRF token is involved:
     * the token's signature is the authority. A token that does not verify changes nothing (400).
     */
    private void backchannelLogout(Context ctx) {
        ctx.header("Cache-Control", "no-store");
        Optional<OidcSignIn> oidc = console.oidc();
        if (oidc.isEmpty()) {
            ctx.status(404).json(Map.of("error", "OIDC sign-in is not configured"));
            return;
        }
        OidcSignIn.Logout logout;
        try {
            logout = oidc.get().logout(Optional.ofNullable(ctx.formParam("logout_token")).orElse(""));
        } catch (SluiceException e) {
            LOG.warn("OIDC back-channel logout refused: {}", e.getMessage());
            ctx.status(400).json(Map.of("error", "invalid_request"));
            return;
        }
        List<BrowserSession> ended;
        try {
            ended = sessions.endAtIdp("oidc", logout.issuer(), logout.subject(), logout.sid());
            if (ended.isEmpty() && logout.subject().isPresent() && logout.sid().isPresent()) {
                // Fail safe: the IdP says this person's session ended, but no console session carries its sid (an
                // IdP session renewed or re-keyed since sign-in): end every console session of the person instead.
                ended = sessions.endAtIdp("oidc", logout.issuer(), logout.subject(), Optional.empty());
            }
        } catch (RuntimeException e) {
            LOG.error("cannot end console sessions for a back-channel logout", e);
            ctx.status(503).json(Map.of("error", "temporarily_unavailable"));
            return;
        }
        for (BrowserSession session : ended) {
            try {
                console.services().audit().append(new AuditEvent.PersonSignOut(console.services().clock()
                        .instant(), new AuditContext(new SessionId(""), Optional.of(session.principal()), "",
                        ctx.ip()), "oidc", "idp-logout"));
            } catch (RuntimeException e) {
                LOG.error("cannot record a console sign-out by the identity provider (the session has ended)", e);
            }
        }
        LOG.info("OIDC back-channel logout ended {} console session(s)", ended.size());
        ctx.status(200);
    }

    /**
     * Where the SAML IdP sends the browser after single logout (its {@code LogoutResponse}). The console session
     * ended before the browser left, so nothing here depends on the response: it only shows the signed-out page.
     */
    private void samlLoggedOut(Context ctx) {
        ctx.redirect("/console/login?signed-out=1");
    }

    private void noAccess(Context ctx) {
        Optional<BrowserSession> session = guard.page(ctx);
        session.ifPresent(s -> ctx.html(Pages.noAccess(s)));
    }

    private boolean sameBrowser(Context ctx, Pending started) {
        String cookie = ctx.cookie(SIGNIN_COOKIE);
        return cookie != null && BrowserSessions.same(BrowserSessions.hash(cookie), started.browser());
    }

    private void fail(Context ctx, String message) {
        ctx.status(400).html(Pages.login(methods(), "/console/", message, false));
    }

    private List<String> methods() {
        List<String> result = new ArrayList<>();
        console.oidc().ifPresent(o -> result.add("oidc"));
        console.saml().ifPresent(s -> result.add("saml"));
        return result;
    }

    private URI redirectUri() {
        return URI.create(console.publicUrl() + "/console/oidc/callback");
    }

    /** A console path to land on: anything else (another host, {@code //host}, a backslash) lands on the inbox. */
    static String safeNext(String next) {
        if (next == null || !next.startsWith("/console/") || next.startsWith("//") || next.contains("\\")
                || next.length() > 500 || next.chars().anyMatch(c -> c < 0x21 || c == 0x7f)) {
            return "/console/";
        }
        return next;
    }

    private static String encode(String text) {
        return java.net.URLEncoder.encode(text, java.nio.charset.StandardCharsets.UTF_8);
    }
}
