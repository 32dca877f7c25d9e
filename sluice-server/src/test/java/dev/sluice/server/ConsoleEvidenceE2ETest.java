package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.WaitForSelectorState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.sluice.core.audit.AuditContext;
import dev.sluice.core.audit.AuditEvent;
import dev.sluice.core.audit.SessionId;
import dev.sluice.core.identity.Principal;
import dev.sluice.testing.Cli;

/**
 * What auditors do in the console, end to end with Debian's Chromium: find sessions, replay a psql session as a
 * transcript, replay a terminal recording in asciinema-player, search the trail and verify its chain.
 */
class ConsoleEvidenceE2ETest {
    private static GatewayHarness harness;
    private static ConsoleBrowser browser;
    private static String url;
    private static BrowserContext auditor;
    private static Page page;
    private static final String TERMINAL_SESSION = "ssh-test-0001";

    @BeforeAll
    static void start() throws Exception {
        harness = GatewayHarness.start(oidc -> """
                  people:
                    oidc:
                      issuer: %s
                      client-id: sluice-console
                      client-secret: console-secret
                """.formatted(oidc.issuer("people")), oidc -> """
                policies:
                  - name: no-drops
                    groups: [agents]
                    deny:
                      kinds: [DROP]
                recording:
                  record-results: rows
                api:
                  auditor-groups: [auditors]
                """, true);
        try (Connection c = harness.direct(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE items (id int primary key, name text)");
            s.execute("INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 20) g");
            s.execute("ALTER TABLE items OWNER TO app");
        }
        Cli.Result psql = harness.psql(harness.token("agent-replay", "agents"), "-c",
                "SELECT id, name FROM items WHERE id <= 3 ORDER BY id", "-c", "SELECT count(*) FROM items", "-c",
                "DROP TABLE items");
        assertThat(psql.stderr()).contains("ERROR");
        writeTerminalRecording();
        url = "http://127.0.0.1:" + harness.gateway().httpPort();
        browser = ConsoleBrowser.start();
        auditor = browser.person();
        page = ConsoleBrowser.signIn(auditor, url, "ada", List.of("auditors"));
    }

    /**
     * SSH arrives later: this writes an {@code asciicast/v2} recording into the trail through the normal
     * {@code AuditLog} API (a session start and {@code RecordingChunk} events), as the terminal protocols will.
     */
    private static void writeTerminalRecording() {
        Principal who = new Principal("https://idp.example", "oncall-olga", "olga", Set.of("sre"),
                Principal.Kind.HUMAN, List.of());
        AuditContext ctx = new AuditContext(new SessionId(TERMINAL_SESSION), Optional.of(who), "web-1",
                "10.0.0.7:50522");
        Instant start = Instant.now().minusSeconds(60);
        var audit = harness.gateway().audit();
        audit.append(new AuditEvent.SessionStarted(start, ctx, "ssh", "olga", "ssh"));
        audit.append(new AuditEvent.RecordingChunk(start, ctx, "asciicast/v2", 0,
                "{\"version\": 2, \"width\": 80, \"height\": 12, \"timestamp\": " + start.getEpochSecond() + "}\n"));
        audit.append(new AuditEvent.RecordingChunk(start.plusSeconds(1), ctx, "asciicast/v2", 1, """
                [0.2, "o", "olga@web-1:~$ "]
                [1.0, "o", "uptime\\r\\n"]
                [1.1, "o", " 10:00:01 up 42 days,  load average: 0.10\\r\\n"]
                [1.5, "o", "olga@web-1:~$ "]
                """));
        audit.append(new AuditEvent.RecordingChunk(start.plusSeconds(2), ctx, "asciicast/v2", 2, """
                [2.0, "o", "sudo systemctl restart nginx\\r\\n"]
                [2.6, "o", "olga@web-1:~$ "]
                """));
        audit.append(new AuditEvent.SessionEnded(start.plusSeconds(3), ctx, 120, 480, Duration.ofSeconds(3),
                "client closed"));
        audit.flush();
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.close();
        }
        if (harness != null) {
            harness.close();
        }
    }

    @Test
    void anAuditorFindsThePsqlSessionByItsDeniedStatementAndReplaysItsTranscript() {
        page.navigate(url + "/console/sessions");
        page.selectOption("#filter select[name=verdict]", "deny");
        page.click("#filter button[type=submit]");
        Locator row = page.locator("#sessions tbody tr", new Page.LocatorOptions().setHasText("agent-replay"));
        row.waitFor();
        assertThat(page.locator("#sessions tbody tr").allTextContents()).noneMatch(t -> t.contains("oncall-olga"));
        page.selectOption("#filter select[name=verdict]", "");
        page.click("#filter button[type=submit]");
        page.locator("#sessions tbody tr", new Page.LocatorOptions().setHasText("oncall-olga")).waitFor();
        ConsoleBrowser.screenshot(page, "sessions");

        page.locator("#sessions tbody tr", new Page.LocatorOptions().setHasText("agent-replay")).locator("a")
                .click();
        page.waitForSelector(".stmt-card");
        assertThat(page.locator(".stmt-card").count()).isEqualTo(3);
        assertThat(page.locator(".stmt-card").nth(0).textContent()).contains("SELECT id, name FROM items",
                "item 1", "item 3", "SELECT 3", "allow");
        assertThat(page.locator(".stmt-card").nth(2).textContent()).contains("DROP TABLE items", "deny");
        page.locator(".toc a").nth(1).click();
        assertThat(page.url()).endsWith("#s-" + page.locator(".stmt-card").nth(1).getAttribute("id")
                .substring(2));
        page.fill("#sql-search", "count");
        assertThat(page.locator(".stmt-card:visible").count()).isEqualTo(1);
        page.fill("#sql-search", "");
        ConsoleBrowser.screenshot(page, "replay-sql");
    }

    @Test
    void aTerminalRecordingPlaysInTheTerminalPlayerAndItsOutputIsSearchable() {
        page.navigate(url + "/console/sessions/" + TERMINAL_SESSION);
        page.waitForSelector(".ap-player");
        page.fill("#term-search", "systemctl");
        Locator hit = page.locator(".search-hits a");
        hit.first().waitFor();
        assertThat(hit.first().textContent()).isEqualTo("2.00s");
        hit.first().click();
        page.waitForFunction("() => document.querySelector('.ap-term') && document.querySelector('.ap-term')"
                + ".textContent.includes('systemctl restart nginx')");
        assertThat(page.locator(".ap-term").textContent()).contains("uptime", "load average");
        page.locator(".ap-term").evaluate("term => term.closest('.ap-player').focus()");
        ConsoleBrowser.screenshot(page, "replay-terminal");
        page.selectOption("#speed", "2");
        page.waitForSelector(".ap-player");
    }

    @Test
    void auditSearchFiltersThePagedTrailLinksSessionsAndVerifiesTheChain() {
        page.navigate(url + "/console/audit");
        page.fill("#filter input[name=subject]", "agent-replay");
        page.fill("#filter input[name=kind]", "command");
        page.click("#filter button[type=submit]");
        // the unfiltered trail shows first: wait for the filtered page to replace it
        dev.sluice.testing.Eventually.await(java.time.Duration.ofSeconds(15), () ->
                assertThat(page.locator("#events tbody tr").allTextContents()).hasSize(3)
                        .allMatch(r -> r.contains("agent-replay") && r.contains("command")));
        page.click("#verify");
        page.waitForSelector("#chain .badge.ok");
        assertThat(page.locator("#chain").textContent()).contains("chain intact");
        ConsoleBrowser.screenshot(page, "audit");
        page.locator("#events tbody tr td a").first().click();
        page.waitForSelector(".stmt-card");
    }

    @Test
    void anAuditorEndsALivePsqlSessionWithAReasonThatTheTrailKeeps() throws Exception {
        // an idle interactive psql: its session ends as soon as Sluice ends it (a running pg_sleep would keep the
        // upstream busy until it returns)
        ProcessBuilder builder = new ProcessBuilder("psql", "-X", "-d", harness.conninfo("agent-runaway"))
                .redirectErrorStream(true);
        builder.environment().put("PGPASSWORD", harness.token("agent-runaway", "agents"));
        Process psql = builder.start();
        psql.getOutputStream().write("SELECT 'still here';\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        psql.getOutputStream().flush();
        page.navigate(url + "/console/live");
        Locator row = page.locator("#live tbody tr", new Page.LocatorOptions().setHasText("agent-runaway"));
        row.waitFor(new Locator.WaitForOptions().setTimeout(20_000));
        assertThat(row.textContent()).contains("orders", "postgres", "agents");
        ConsoleBrowser.screenshot(page, "live");
        List<String> requests = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.function.Consumer<com.microsoft.playwright.Request> seen = r -> requests.add(r.url());
        page.onRequest(seen);
        row.locator("a", new Locator.LocatorOptions().setHasText("Watch")).click();
        page.waitForSelector(".stmt-card:has-text('still here')");
        assertThat(page.textContent("main")).contains("Live: following this session");
        // pushed, not polled: each statement is on the page well within a second of psql sending it
        List<Long> millis = new java.util.ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            long start = System.nanoTime();
            psql.getOutputStream().write(("SELECT 'and now this " + i + "';\n").getBytes(
                    java.nio.charset.StandardCharsets.UTF_8));
            psql.getOutputStream().flush();
            page.waitForSelector(".stmt-card:has-text('and now this " + i + "')", new Page.WaitForSelectorOptions()
                    .setTimeout(10_000));
            millis.add((System.nanoTime() - start) / 1_000_000);
        }
        System.out.println("live follow: statement on the watcher's page after " + millis + " ms");
        assertThat(millis.stream().sorted().toList().get(2)).as("median latency, ms").isLessThan(1000);
        page.offRequest(seen);
        assertThat(requests).as("one event stream, no polling of the recording")
                .filteredOn(u -> u.contains("/console/api/sessions/")).hasSize(2)
                .anyMatch(u -> u.contains("/follow?after="));
        page.navigate(url + "/console/live");
        row.waitFor(new Locator.WaitForOptions().setTimeout(20_000));
        row.locator("button").click();
        page.fill("#end-reason", "runaway query during the incident");
        ConsoleBrowser.screenshot(page, "live-end");
        page.click("#end-dialog button[type=submit]");
        row.waitFor(new Locator.WaitForOptions().setState(WaitForSelectorState.DETACHED).setTimeout(10_000));
        // psql notices the closed connection on its next statement
        psql.getOutputStream().write("SELECT 'after the kill';\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        psql.getOutputStream().close();
        assertThat(psql.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)).as("psql ended").isTrue();
        String output = new String(psql.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(output).contains("still here", "ended by ada", "runaway query during the incident")
                .doesNotContain("after the kill\n");
        var ends = harness.audit(dev.sluice.core.audit.AuditQuery.all().withKind("session.end")).stream()
                .filter(r -> r.subject().equals("agent-runaway")).toList();
        assertThat(ends).singleElement().satisfies(e -> assertThat(String.valueOf(e.details()) + e.error())
                .contains("ended by ada", "runaway query during the incident"));
    }

    @Test
    void someoneWhoIsNotAnAuditorGetsNoSessionsNorTrail() {
        try (BrowserContext other = browser.person()) {
            Page p = ConsoleBrowser.signIn(other, url, "agent-person", List.of("agents"));
            p.navigate(url + "/console/sessions");
            assertThat(p.textContent("main")).contains("needs a role you do not have");
            assertThat(p.locator("nav a", new Page.LocatorOptions().setHasText("Audit")).count()).isZero();
            Object status = p.evaluate("async () => (await fetch('/console/api/audit')).status");
            assertThat(status).isEqualTo(403);
            Object live = p.evaluate("async () => (await fetch('/console/api/live')).status");
            assertThat(live).isEqualTo(403);
            Object replay = p.evaluate("async () => (await fetch('/console/api/sessions/" + TERMINAL_SESSION
                    + "')).status");
            assertThat(replay).isEqualTo(403);
        }
        page.navigate(url + "/console/sessions");
        page.locator("#sessions tbody tr").first().waitFor(new Locator.WaitForOptions()
                .setState(WaitForSelectorState.ATTACHED));
    }
}
