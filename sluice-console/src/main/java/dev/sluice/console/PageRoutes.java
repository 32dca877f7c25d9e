package dev.sluice.console;

import java.util.Optional;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

import dev.sluice.console.BrowserSessions.BrowserSession;

/**
 * The console's pages. Each needs a signed-in browser (else sign-in, then back here) and the role it serves
 * (else the no-access page); the data comes from the JSON endpoints, which check again.
 */
final class PageRoutes {
    private final Console console;
    private final Guard guard;

    PageRoutes(Console console, Guard guard) {
        this.console = console;
        this.guard = guard;
    }

    private enum Need { ANY, AUDITOR, REQUESTER }

    void register(RoutesConfig routes) {
        routes.get("/console/", ctx -> page(ctx, Need.ANY, "inbox", "Approvals inbox", """
                <p class="lead">Requests waiting for you, live. Approve or reject with a comment.</p>
                <div id="status" class="status" role="status" aria-live="polite"></div>
                <div id="requests" class="requests"></div>
                """, "inbox.js"));
        routes.get("/console/approvals/history", ctx -> page(ctx, Need.ANY, "history", "Approval history", """
                <form id="filter" class="filters">
                  <label>State <select name="state"><option value="all">all</option><option>approved</option>
                  <option>rejected</option><option>expired</option><option>withdrawn</option><option>pending</option></select></label>
                  <label>Search <input name="q" type="search" placeholder="requester, connection, statement, approver"></label>
                  <button type="submit" class="button">Filter</button>
                </form>
                <table class="grid" id="history"><thead><tr><th>Created</th><th>State</th><th>Requester</th><th>Connection</th>
                <th>Command</th><th>Rule</th><th>Decided by</th></tr></thead><tbody></tbody></table>
                """, "history.js"));
        routes.get("/console/approvals/{id}", ctx -> page(ctx, Need.ANY, "inbox", "Approval request", """
                <div id="request" class="requests" data-id="%s"></div>
                """.formatted(Pages.escape(shorten(ctx.pathParam("id")))), "inbox.js"));
        routes.get("/console/sessions", ctx -> page(ctx, Need.AUDITOR, "sessions", "Sessions", """
                <form id="filter" class="filters">
                  <label>Who <input name="subject" placeholder="subject"></label>
                  <label>Connection <input name="connection"></label>
                  <label>Protocol <select name="protocol"><option value="">any</option><option>postgres</option><option>ssh</option><option>kubernetes</option><option>http</option></select></label>
                  <label>Verdict <select name="verdict"><option value="">any</option><option>deny</option><option>hold</option></select></label>
                  <label>Since <input name="since" placeholder="1d or 2026-01-01T00:00:00Z"></label>
                  <button type="submit" class="button">Filter</button>
                </form>
                <table class="grid" id="sessions"><thead><tr><th>Started</th><th>Who</th><th>Connection</th><th>Protocol</th>
                <th>Statements</th><th>Ended</th></tr></thead><tbody></tbody></table>
                """, "sessions.js"));
        routes.get("/console/sessions/{id}", ctx -> page(ctx, Need.AUDITOR, "sessions", "Session replay", """
                <div id="replay" data-id="%s"></div>
                """.formatted(Pages.escape(shorten(ctx.pathParam("id")))),
                "vendor/asciinema-player.min.js", "replay.js"));
        routes.get("/console/live", ctx -> page(ctx, Need.AUDITOR, "live", "Live sessions", """
                <p class="lead">Who is connected now. Ending a session asks for a reason, which goes into the audit trail.</p>
                <div id="status" class="status" role="status" aria-live="polite"></div>
                <table class="grid" id="live"><thead><tr><th>Started</th><th>Who</th><th>Groups</th><th>Connection</th>
                <th>Protocol</th><th>Client</th><th>Bytes in / out</th><th></th></tr></thead><tbody></tbody></table>
                """, "live.js"));
        routes.get("/console/audit", ctx -> page(ctx, Need.AUDITOR, "audit", "Audit trail", """
                <section id="chain" class="card chain" aria-live="polite"></section>
                <form id="filter" class="filters">
                  <label>Subject <input name="subject"></label>
                  <label>Group <input name="group"></label>
                  <label>Connection <input name="connection"></label>
                  <label>Session <input name="session"></label>
                  <label>Kind <input name="kind" placeholder="command"></label>
                  <label>Verdict <select name="verdict"><option value="">any</option><option>allow</option><option>deny</option><option>hold</option></select></label>
                  <label>Text <input name="text" type="search"></label>
                  <label>Since <input name="since" placeholder="1d"></label>
                  <label>Until <input name="until"></label>
                  <button type="submit" class="button">Search</button>
                </form>
                <table class="grid" id="events"><thead><tr><th>Seq</th><th>Time</th><th>Kind</th><th>Subject</th>
                <th>Connection</th><th>Session</th><th>Statement / details</th><th>Verdict</th></tr></thead><tbody></tbody></table>
                <p><button id="more" class="button" hidden>Next page</button></p>
                """, "audit.js"));
        routes.get("/console/access", ctx -> page(ctx, Need.REQUESTER, "access", "Access", """
                <section class="card">
                <h2>Request time-bound access</h2>
                <form id="request-access" class="stack">
                  <label>Connection <select name="connection" required></select></label>
                  <label>For <select name="duration"><option value="30m">30 minutes</option><option value="1h" selected>1 hour</option>
                  <option value="4h">4 hours</option><option value="8h">8 hours</option><option value="1d">1 day</option></select></label>
                  <label>Reason <textarea name="reason" required rows="2" placeholder="ticket, incident, why"></textarea></label>
                  <button type="submit" class="button primary">Request access</button>
                </form>
                <div id="status" class="status" role="status" aria-live="polite"></div>
                </section>
                <h2>Your grants</h2>
                <table class="grid" id="grants"><thead><tr><th>Connection</th><th>Granted until</th></tr></thead><tbody></tbody></table>
                <h2>Your requests</h2>
                <table class="grid" id="mine"><thead><tr><th>Created</th><th>Connection</th><th>For</th><th>State</th><th>Reason</th></tr></thead><tbody></tbody></table>
                """, "access.js"));
    }

    private void page(Context ctx, Need need, String id, String title, String body, String... scripts) {
        Optional<BrowserSession> session = guard.page(ctx);
        if (session.isEmpty()) {
            return;
        }
        Roles roles = console.roles(session.get().principal());
        boolean allowed = switch (need) {
            case ANY -> roles.any();
            case AUDITOR -> roles.auditor();
            case REQUESTER -> roles.requester();
        };
        if (!allowed) {
            if (!roles.any()) {
                ctx.redirect("/console/no-access");
                return;
            }
            ctx.status(403).html(Pages.page(session.get(), roles, id, "Not for you", """
                    <p class="error" role="alert">This page needs a role you do not have.</p>"""));
            return;
        }
        ctx.header("Cache-Control", "no-store").html(Pages.page(session.get(), roles, id, title, body, scripts));
    }

    static String shorten(String text) {
        return text.length() > 100 ? text.substring(0, 100) : text;
    }
}
