package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.sluice.core.approval.ApprovalRequest;
import dev.sluice.core.approval.ApprovalState;
import dev.sluice.core.audit.AuditQuery;
import dev.sluice.core.audit.AuditRecord;
import dev.sluice.testing.Cli;

/**
 * The console's approvals end to end: a real gateway (PostgreSQL, mock-oauth2-server with its interactive login
 * page), psql holding a DELETE, and Debian's Chromium signed in as people through the provider's login form.
 */
class ConsoleApprovalsE2ETest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    private static GatewayHarness harness;
    private static ConsoleBrowser browser;
    private static String url;
    private static BrowserContext carol;
    private static Page inbox;
    private static final ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor();

    @BeforeAll
    static void start() throws Exception {
        harness = GatewayHarness.start(oidc -> """
                  people:
                    oidc:
                      issuer: %s
                      client-id: sluice-console
                      client-secret: console-secret
                      groups-claim: groups
                """.formatted(oidc.issuer("people")), oidc -> """
                policies:
                  - name: deletes-need-sre
                    groups: [agents]
                    require-approval:
                      kinds: [DELETE]
                      tables: [items]
                      approvers: [sre]
                approvals:
                  access:
                    approvers: [sre]
                api:
                  auditor-groups: [auditors]
                """, true);
        try (Connection c = harness.direct(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE items (id int primary key, name text)");
            s.execute("INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 100) g");
            s.execute("ALTER TABLE items OWNER TO app");
        }
        url = "http://127.0.0.1:" + harness.gateway().httpPort();
        browser = ConsoleBrowser.start();
        carol = browser.person();
        inbox = ConsoleBrowser.signIn(carol, url, "carol", List.of("sre"));
    }

    @AfterAll
    static void stop() {
        clients.shutdownNow();
        if (browser != null) {
            browser.close();
        }
        if (harness != null) {
            harness.close();
        }
    }

    private static Future<Cli.Result> psql(String subject, String sql) {
        String token = harness.token(subject, "agents");
        return clients.submit(() -> harness.psql(token, "-v", "ON_ERROR_STOP=1", "-c", sql));
    }

    private static ApprovalRequest awaitPending(String subject) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<ApprovalRequest> found = harness.gateway().approvals()
                    .list(Optional.of(ApprovalState.PENDING), 100).stream()
                    .filter(r -> r.requester().subject().equals(subject)).findFirst();
            if (found.isPresent()) {
                return found.get();
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no pending request of " + subject);
    }

    private static boolean exists(int id) throws SQLException {
        try (Connection c = harness.direct(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT count(*) FROM items WHERE id = " + id)) {
            r.next();
            return r.getInt(1) == 1;
        }
    }

    @Test
    void aHeldDeleteAppearsInTheInboxWithinASecondAndClickingApproveLetsPsqlComplete() throws Exception {
        inbox.navigate(url + "/console/");
        inbox.waitForSelector("body[data-live=connected]");
        Future<Cli.Result> delete = psql("agent-bob", "DELETE FROM items WHERE id = 1");
        ApprovalRequest request = awaitPending("agent-bob");
        long stored = System.nanoTime();
        Locator card = inbox.locator("article#" + request.id());
        card.waitFor(new Locator.WaitForOptions().setTimeout(WAIT.toMillis()));
        long shownMillis = (System.nanoTime() - stored) / 1_000_000;
        System.out.println("console inbox: request shown " + shownMillis + " ms after it was stored");
        assertThat(shownMillis).as("shown %d ms after it was stored", shownMillis).isLessThan(1000);
        assertThat(card.locator("pre.statement").textContent()).isEqualTo("DELETE FROM items WHERE id = 1");
        assertThat(card.textContent()).contains("agent-bob", "orders", "deletes-need-sre", "DELETE");
        card.locator(".impact").waitFor();
        assertThat(card.locator(".impact").textContent()).contains("1 row of \"items\" would be deleted",
                "SELECT count(*) FROM \"items\" WHERE (\"id\" OPERATOR(pg_catalog.=) 1)");
        assertThat(exists(1)).as("held, not run").isTrue();
        ConsoleBrowser.screenshot(inbox, "inbox");

        card.locator("textarea").fill("checked INC-7");
        card.locator("button[data-action=approve]").click();

        Cli.Result result = delete.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stdout()).contains("DELETE 1");
        assertThat(exists(1)).isFalse();
        inbox.locator("article#" + request.id()).waitFor(new Locator.WaitForOptions()
                .setState(com.microsoft.playwright.options.WaitForSelectorState.DETACHED));
        List<AuditRecord> decisions = harness.audit(AuditQuery.all().withSubject("agent-bob")).stream()
                .filter(e -> e.kind().equals("approval.decision")).toList();
        assertThat(decisions).singleElement().satisfies(e -> assertThat(e.details())
                .containsEntry("approver", "carol").containsEntry("reason", "checked INC-7")
                .containsEntry("state", "approved"));
    }

    @Test
    void rejectingInTheConsoleRefusesThePsqlStatementWithTheComment() throws Exception {
        inbox.navigate(url + "/console/");
        Future<Cli.Result> delete = psql("agent-eve", "DELETE FROM items WHERE id = 2");
        ApprovalRequest request = awaitPending("agent-eve");
        Locator card = inbox.locator("article#" + request.id());
        card.waitFor(new Locator.WaitForOptions().setTimeout(WAIT.toMillis()));
        card.locator("textarea").fill("not during the freeze");
        card.locator("button[data-action=reject]").click();

        Cli.Result result = delete.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(result.exitCode()).isNotZero();
        assertThat(result.stderr()).contains("rejected by carol: not during the freeze");
        assertThat(exists(2)).isTrue();
        inbox.navigate(url + "/console/approvals/history");
        inbox.waitForSelector("#history tbody tr td a");
        assertThat(inbox.locator("#history tbody").textContent()).contains("agent-eve", "rejected",
                "not during the freeze");
        ConsoleBrowser.screenshot(inbox, "history");
    }

    @Test
    void theRequesterCannotApproveTheirOwnRequestNeitherByButtonNorByCallingTheEndpoint() throws Exception {
        Future<Cli.Result> delete = psql("dave", "DELETE FROM items WHERE id = 3");
        ApprovalRequest request = awaitPending("dave");
        try (BrowserContext dave = browser.person()) {
            Page page = ConsoleBrowser.signIn(dave, url, "dave", List.of("sre"));
            page.navigate(url + "/console/approvals/" + request.id());
            Locator card = page.locator("article#" + request.id());
            card.waitFor();
            assertThat(card.textContent()).contains("someone else must decide it");
            assertThat(card.locator("button[data-action=approve]").count()).isZero();

            Object status = page.evaluate("""
                    async id => (await fetch('/console/api/approvals/' + id + '/approve', {method: 'POST',
                      headers: {'Content-Type': 'application/json', 'X-CSRF-Token': Sluice.csrf},
                      body: '{"reason": "mine"}'})).status""", request.id());
            assertThat(status).isEqualTo(403);
        }
        assertThat(harness.gateway().approvals().find(request.id()).orElseThrow().state())
                .isEqualTo(ApprovalState.PENDING);
        assertThat(exists(3)).isTrue();
        assertThat(harness.audit(AuditQuery.all().withSubject("dave"))).extracting(AuditRecord::kind)
                .contains("approval.refused");
        harness.gateway().approvals().decide(request.id(), new dev.sluice.core.identity.Principal("x", "zed",
                "zed", java.util.Set.of("sre"), dev.sluice.core.identity.Principal.Kind.HUMAN, List.of()), false,
                "cleanup");
        assertThat(delete.get(WAIT.toSeconds(), TimeUnit.SECONDS).exitCode()).isNotZero();
    }

    @Test
    void aStateChangingCallWithoutTheCsrfTokenOrFromAnotherOriginIsRefused() throws Exception {
        Future<Cli.Result> delete = psql("agent-mallory", "DELETE FROM items WHERE id = 4");
        ApprovalRequest request = awaitPending("agent-mallory");
        inbox.navigate(url + "/console/");
        Object missing = inbox.evaluate("""
                async id => (await fetch('/console/api/approvals/' + id + '/approve', {method: 'POST',
                  headers: {'Content-Type': 'application/json'}, body: '{}'})).status""", request.id());
        Object wrong = inbox.evaluate("""
                async id => (await fetch('/console/api/approvals/' + id + '/approve', {method: 'POST',
                  headers: {'Content-Type': 'application/json', 'X-CSRF-Token': 'x'.repeat(43)}, body: '{}'})).status""",
                request.id());
        Object logout = inbox.evaluate("""
                async () => (await fetch('/console/logout', {method: 'POST', redirect: 'manual',
                  headers: {'Content-Type': 'application/x-www-form-urlencoded'}, body: 'csrf='})).status""");
        assertThat(missing).isEqualTo(403);
        assertThat(wrong).isEqualTo(403);
        assertThat(logout).isEqualTo(403);
        assertThat(harness.gateway().approvals().find(request.id()).orElseThrow().state())
                .isEqualTo(ApprovalState.PENDING);
        assertThat(exists(4)).isTrue();
        // a cross-site form post cannot carry the token either: the same call from another origin is refused
        java.net.http.HttpResponse<String> foreign = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(url + "/console/api/approvals/"
                        + request.id() + "/approve")).header("Origin", "https://evil.example")
                        .header("Cookie", cookieHeader(carol)).header("X-CSRF-Token", csrf(inbox))
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{}")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(foreign.statusCode()).isEqualTo(403);
        assertThat(harness.gateway().approvals().find(request.id()).orElseThrow().state())
                .isEqualTo(ApprovalState.PENDING);
        inbox.locator("article#" + request.id() + " button[data-action=reject]").click();
        assertThat(delete.get(WAIT.toSeconds(), TimeUnit.SECONDS).exitCode()).isNotZero();
    }

    @Test
    void thePersonRequestsTimeBoundAccessAnApproverGrantsItAndThePersonSeesTheGrant() {
        try (BrowserContext frank = browser.person()) {
            Page page = ConsoleBrowser.signIn(frank, url, "frank", List.of("agents"));
            page.navigate(url + "/console/access");
            page.locator("#request-access select option[value=orders]").waitFor(new Locator.WaitForOptions()
                    .setState(com.microsoft.playwright.options.WaitForSelectorState.ATTACHED));
            page.selectOption("#request-access select[name=duration]", "4h");
            page.fill("#request-access textarea[name=reason]", "INC-9 investigate slow orders");
            page.click("#request-access button[type=submit]");
            page.waitForSelector("#mine tbody td:has-text('INC-9')");
            assertThat(page.textContent("#grants")).contains("No active grants");

            ApprovalRequest request = harness.gateway().approvals().list(Optional.of(ApprovalState.PENDING), 100)
                    .stream().filter(r -> r.requester().subject().equals("frank")).findFirst().orElseThrow();
            assertThat(request.connection()).isEqualTo("orders");
            assertThat(request.grantFor()).isEqualTo(Duration.ofHours(4));
            inbox.navigate(url + "/console/");
            Locator card = inbox.locator("article#" + request.id());
            card.waitFor();
            card.locator("textarea").fill("ok for INC-9");
            card.locator("button[data-action=approve]").click();
            card.waitFor(new Locator.WaitForOptions()
                    .setState(com.microsoft.playwright.options.WaitForSelectorState.DETACHED));

            page.waitForSelector("#grants td:has-text('orders')", new Page.WaitForSelectorOptions()
                    .setTimeout(15_000));
            assertThat(page.textContent("#mine")).contains("approved");
            ConsoleBrowser.screenshot(page, "access");
        }
    }

    @Test
    void aPersonWithNoRoleSeesTheNoAccessPageAndCanSignOut() {
        try (BrowserContext nobody = browser.person()) {
            Page page = ConsoleBrowser.signIn(nobody, url, "nobody", List.of("visitors"));
            assertThat(page.url()).endsWith("/console/no-access");
            assertThat(page.textContent("main")).contains("No access", "nobody", "visitors");
            ConsoleBrowser.screenshot(page, "no-access");
            page.click("button[type=submit]");
            page.waitForURL(u -> u.contains("/console/login"));
            assertThat(page.textContent("main")).contains("You are signed out");
            ConsoleBrowser.screenshot(page, "signed-out");
            page.navigate(url + "/console/api/approvals");
            assertThat(page.textContent("body")).contains("not signed in");
        }
    }

    private static String cookieHeader(BrowserContext context) {
        return String.join("; ", context.cookies().stream().map(c -> c.name + "=" + c.value).toList());
    }

    private static String csrf(Page page) {
        return page.getAttribute("meta[name=csrf-token]", "content");
    }

}
