package dev.sluice.server;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;

/**
 * A real Chromium (Debian's {@code /usr/bin/chromium}) driven by Playwright for Java, for the console tests. The
 * driver that Playwright's jar carries is used as is; {@code PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD} stops it from
 * fetching a browser of its own, and the flags keep Chromium off the network. One per test class; a fresh
 * {@link BrowserContext} (its own cookies) per person.
 */
final class ConsoleBrowser implements AutoCloseable {
    static final Path CHROMIUM = Paths.get("/usr/bin/chromium");
    /**
     * Where the screenshots go: target/console-screenshots, so a test run leaves the checkout clean; with
     * {@code -Dsluice.docs.screenshots=true} the repository's docs/console, to refresh the docs' pictures.
     */
    static final Path SCREENSHOTS = Boolean.getBoolean("sluice.docs.screenshots") ? Paths.get("..", "docs", "console")
            : Paths.get("target", "console-screenshots");

    private final Playwright playwright;
    private final Browser browser;

    private ConsoleBrowser(Playwright playwright, Browser browser) {
        this.playwright = playwright;
        this.browser = browser;
    }

    static ConsoleBrowser start() {
        Playwright playwright = Playwright.create(new Playwright.CreateOptions()
                .setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
        try {
            Browser browser = playwright.chromium().launch(new BrowserType.LaunchOptions()
                    .setExecutablePath(CHROMIUM).setHeadless(true)
                    .setArgs(List.of("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                            "--no-first-run", "--disable-background-networking", "--disable-component-update",
                            "--disable-sync")));
            return new ConsoleBrowser(playwright, browser);
        } catch (RuntimeException e) {
            playwright.close();
            throw e;
        }
    }

    /** A new browser profile (no cookies) with a desktop-sized window. */
    BrowserContext person() {
        return browser.newContext(new Browser.NewContextOptions().setViewportSize(1360, 900));
    }

    /**
     * Signs in through mock-oauth2-server's interactive login page: opens the console's root, which leads to the
     * provider's form, fills in the user name and the groups claim, and waits for the console.
     */
    static Page signIn(BrowserContext context, String consoleUrl, String user, List<String> groups) {
        Page page = context.newPage();
        page.navigate(consoleUrl + "/");
        page.waitForSelector("input[name=username]");
        page.fill("input[name=username]", user);
        page.fill("textarea[name=claims]", "{\"groups\": [" + String.join(", ", groups.stream()
                .map(g -> "\"" + g + "\"").toList()) + "]}");
        page.click("input[type=submit]");
        page.waitForURL(url -> url.startsWith(consoleUrl + "/console/"));
        return page;
    }

    /** Saves a screenshot of the whole page as NAME.png in {@link #SCREENSHOTS}. */
    static void screenshot(Page page, String name) {
        try {
            Files.createDirectories(SCREENSHOTS);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        page.screenshot(new Page.ScreenshotOptions().setPath(SCREENSHOTS.resolve(name + ".png")).setFullPage(true));
    }

    @Override
    public void close() {
        browser.close();
        playwright.close();
    }
}
