package dev.sluice.console;

import java.util.List;

import dev.sluice.console.BrowserSessions.BrowserSession;

/**
 * The HTML of the console: one shell (header, navigation for the person's roles, sign-out form with its CSRF token)
 * around a page whose content a small script fills from the JSON endpoints. Every value from a person, an agent or
 * the trail is escaped here or set as text by the scripts, never parsed as HTML. Pure.
 */
final class Pages {
    private Pages() {
    }

    /** A page of the console for a signed-in person. */
    static String page(BrowserSession session, Roles roles, String id, String title, String body, String... scripts) {
        StringBuilder nav = new StringBuilder();
        link(nav, id, "inbox", "/console/", "Inbox", roles.approver() || roles.requester());
        link(nav, id, "history", "/console/approvals/history", "Approval history", true);
        link(nav, id, "sessions", "/console/sessions", "Sessions", roles.auditor());
        link(nav, id, "live", "/console/live", "Live", roles.auditor());
        link(nav, id, "audit", "/console/audit", "Audit", roles.auditor());
        link(nav, id, "access", "/console/access", "Access", roles.requester());
        StringBuilder tags = new StringBuilder();
        StringBuilder styles = new StringBuilder();
        for (String script : scripts) {
            if (script.startsWith("vendor/asciinema-player")) {
                styles.append("<link rel=\"stylesheet\" href=\"/console/assets/vendor/asciinema-player.css\">\n");
            }
            tags.append("<script src=\"/console/assets/").append(escape(script)).append("\"></script>\n");
        }
        return """
                <!doctype html>
                <html lang="en">
                <head>
                <meta charset="utf-8">
                <meta name="viewport" content="width=device-width, initial-scale=1">
                <meta name="csrf-token" content="%s">
                <title>%s · Sluice</title>
                <link rel="stylesheet" href="/console/assets/console.css">
                %s</head>
                <body data-page="%s" data-auditor="%s">
                <a class="skip" href="#main">Skip to content</a>
                <header class="top">
                  <a class="brand" href="/console/" aria-label="Sluice console home"><span class="logo" aria-hidden="true">◆</span> Sluice</a>
                  <nav aria-label="Console">%s</nav>
                  <div class="who">
                    <span class="person" title="%s">%s</span>
                    <span class="groups">%s</span>
                    <form method="post" action="/console/logout"><input type="hidden" name="csrf" value="%s"><button type="submit" class="link">Sign out</button></form>
                  </div>
                </header>
                <main id="main" tabindex="-1">
                <h1>%s</h1>
                %s
                </main>
                <script src="/console/assets/console.js"></script>
                %s</body>
                </html>
                """.formatted(escape(session.csrf()), escape(title), styles, escape(id), roles.auditor(), nav,
                escape(session.principal().issuer() + " · " + session.principal().subject()),
                escape(session.principal().displayName()),
                escape(String.join(", ", session.principal().groups().stream().sorted().toList())),
                escape(session.csrf()), escape(title), body, tags);
    }

    private static void link(StringBuilder nav, String current, String id, String href, String label, boolean show) {
        if (!show) {
            return;
        }
        nav.append("<a href=\"").append(href).append('"').append(current.equals(id) ? " aria-current=\"page\"" : "")
                .append('>').append(label).append("</a>");
    }

    static String login(List<String> methods, String next, String error, boolean signedOut) {
        StringBuilder buttons = new StringBuilder();
        for (String method : methods) {
            buttons.append("<a class=\"button primary\" href=\"/console/login/").append(method).append("?next=")
                    .append(escape(java.net.URLEncoder.encode(next, java.nio.charset.StandardCharsets.UTF_8)))
                    .append("\">Sign in with ").append(method.equals("oidc") ? "OpenID Connect" : "SAML")
                    .append("</a>");
        }
        if (methods.isEmpty()) {
            buttons.append("<p>No sign-in for people is configured. Set <code>identity.people.oidc</code> or "
                    + "<code>identity.people.saml</code> in the Sluice configuration (see docs/console.md).</p>");
        }
        String notice = !error.isEmpty() ? "<p class=\"error\" role=\"alert\">" + escape(error) + "</p>"
                : signedOut ? "<p class=\"notice\" role=\"status\">You are signed out.</p>" : "";
        return bare("Sign in", """
                <section class="card signin">
                  <h1><span class="logo" aria-hidden="true">◆</span> Sluice console</h1>
                  <p class="muted">Approve held commands, replay sessions and search the audit trail.</p>
                  %s
                  <div class="methods">%s</div>
                </section>
                """.formatted(notice, buttons));
    }

    static String noAccess(BrowserSession session) {
        return bare("No access", """
                <section class="card signin">
                  <h1>No access</h1>
                  <p>You are signed in as <strong>%s</strong> (%s), groups: %s.</p>
                  <p>This identity is not an approver, not an auditor and not allowed on any connection, so the
                  console has nothing to show you. Ask the Sluice administrators to add one of your groups to
                  <code>api.auditor-groups</code>, to an approval rule's <code>approvers</code>, or to a
                  connection's <code>allow</code>.</p>
                  <form method="post" action="/console/logout"><input type="hidden" name="csrf" value="%s">
                  <button type="submit" class="button">Sign out</button></form>
                </section>
                """.formatted(escape(session.principal().displayName()), escape(session.principal().issuer()),
                escape(session.principal().groups().isEmpty() ? "none"
                        : String.join(", ", session.principal().groups().stream().sorted().toList())),
                escape(session.csrf())));
    }

    /**
     * After sign-out, on the way to the identity provider's own logout: a meta refresh (a form's redirect to another
     * origin would break the console's {@code form-action 'self'}) and a link for browsers that do not follow it.
     * {@code target} is built by Sluice from the IdP's metadata, never taken from the request.
     */
    static String leaving(java.net.URI target) {
        String href = escape(target.toString());
        return bare("Signed out", """
                <section class="card signin">
                  <h1><span class="logo" aria-hidden="true">◆</span> Sluice console</h1>
                  <p class="notice" role="status">You are signed out of Sluice. Signing you out at your identity
                  provider too…</p>
                  <p><a class="button primary" id="idp-logout" href="%s">Continue</a></p>
                </section>
                """.formatted(href), "<meta http-equiv=\"refresh\" content=\"0;url=" + href + "\">\n");
    }

    private static String bare(String title, String body) {
        return bare(title, body, "");
    }

    private static String bare(String title, String body, String head) {
        return """
                <!doctype html>
                <html lang="en">
                <head>
                <meta charset="utf-8">
                <meta name="viewport" content="width=device-width, initial-scale=1">
                %s<title>%s · Sluice</title>
                <link rel="stylesheet" href="/console/assets/console.css">
                </head>
                <body class="bare">
                <main id="main">
                %s
                </main>
                </body>
                </html>
                """.formatted(head, escape(title), body);
    }

    static String escape(String text) {
        StringBuilder result = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '<' -> result.append("&lt;");
                case '>' -> result.append("&gt;");
                case '&' -> result.append("&amp;");
                case '"' -> result.append("&quot;");
                case '\'' -> result.append("&#39;");
                default -> result.append(c);
            }
        }
        return result.toString();
    }
}
