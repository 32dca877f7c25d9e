package dev.sluice.console;

import java.net.URI;
import java.util.Map;
import java.util.Optional;

import io.javalin.http.Context;

import dev.sluice.console.BrowserSessions.BrowserSession;

/**
 * The browser side of every console request: the session cookie (HttpOnly, Secure, SameSite=Lax, bounded
 * lifetime), and CSRF protection for every state-changing request: the session's token in the
 * {@code X-CSRF-Token} header (or the {@code csrf} form field of a plain form) and, when the browser sends one, an
 * {@code Origin} equal to the console's own. A request failing either is refused with 403 and changes nothing.
 */
final class Guard {
    static final String COOKIE = "sluice_console";
    static final String CSRF_HEADER = "X-CSRF-Token";

    private final BrowserSessions sessions;
    private final Console console;

    Guard(BrowserSessions sessions, Console console) {
        this.sessions = sessions;
        this.console = console;
    }

    /** The signed-in browser, if any. */
    Optional<BrowserSession> session(Context ctx) {
        return sessions.find(ctx.cookie(COOKIE), console.settings().idleTimeout());
    }

    /**
     * The session of a page request; otherwise the browser is sent to sign in (and comes back to this page) and
     * empty is returned.
     */
    Optional<BrowserSession> page(Context ctx) {
        Optional<BrowserSession> result = session(ctx);
        if (result.isEmpty()) {
            String back = ctx.path() + (ctx.queryString() == null ? "" : "?" + ctx.queryString());
            ctx.redirect("/console/login?next=" + java.net.URLEncoder.encode(back,
                    java.nio.charset.StandardCharsets.UTF_8));
        }
        return result;
    }

    /** The session of an API call; otherwise 401 JSON and empty. */
    Optional<BrowserSession> api(Context ctx) {
        Optional<BrowserSession> result = session(ctx);
        if (result.isEmpty()) {
            ctx.status(401).json(Map.of("error", "not signed in"));
        }
        return result;
    }

    /**
     * The session of a state-changing call whose CSRF token and origin check out; otherwise 401/403 JSON (or text
     * for a form) and empty. Fail closed: a missing token is a wrong token.
     */
    Optional<BrowserSession> change(Context ctx) {
        Optional<BrowserSession> result = api(ctx);
        if (result.isEmpty()) {
            return result;
        }
        String token = Optional.ofNullable(ctx.header(CSRF_HEADER)).orElseGet(() -> formToken(ctx));
        if (!BrowserSessions.same(token, result.get().csrf())) {
            ctx.status(403).json(Map.of("error", "missing or wrong CSRF token: reload the page and try again"));
            return Optional.empty();
        }
        if (!sameOrigin(ctx.header("Origin"), console.publicUrl())) {
            ctx.status(403).json(Map.of("error", "request from another origin refused"));
            return Optional.empty();
        }
        return result;
    }

    private static String formToken(Context ctx) {
        String type = Optional.ofNullable(ctx.contentType()).orElse("");
        return type.startsWith("application/x-www-form-urlencoded") ? ctx.formParam("csrf") : null;
    }

    /** No Origin (not a browser, or a same-origin GET) passes; otherwise scheme, host and port must match. */
    static boolean sameOrigin(String origin, URI own) {
        if (origin == null) {
            return true;
        }
        try {
            URI uri = URI.create(origin);
            return own.getScheme().equalsIgnoreCase(uri.getScheme()) && own.getHost().equalsIgnoreCase(uri.getHost())
                    && port(own) == port(uri);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static int port(URI uri) {
        return uri.getPort() != -1 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
    }

    /** Sets the session cookie: HttpOnly, Secure, SameSite=Lax, path /, for the session's lifetime. */
    static void setCookie(Context ctx, String name, String value, long maxAgeSeconds, String sameSite) {
        ctx.res().addHeader("Set-Cookie", name + "=" + value + "; Path=/; Max-Age=" + maxAgeSeconds
                + "; HttpOnly; Secure; SameSite=" + sameSite);
    }

    static void clearCookie(Context ctx, String name) {
        ctx.res().addHeader("Set-Cookie", name + "=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax");
    }
}
