package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.LoadState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.sluice.core.audit.AuditQuery;

/**
 * The console against a real identity provider: Keycloak (its Maven Central distribution, {@link KeycloakIdp}) with
 * one realm holding a SAML client for Sluice's service provider (signed responses and assertions, a group
 * membership mapper as the {@code groups} attribute) and an OIDC client (PKCE, groups claim). Chromium signs in
 * through Keycloak's own login page with each, lands in the console with the groups, signs out, and the sign-out
 * reaches Keycloak too (SAML single logout, OIDC RP-initiated logout): the next visit asks for the password again.
 * One Keycloak for the class, started while the gateway and Chromium start. The attacks on SAML responses are
 * {@link ConsoleSamlE2ETest}'s, with a test IdP that can sign whatever a test needs.
 */
class ConsoleKeycloakE2ETest {
    private static final String ENTITY_ID = "https://sluice.test/saml";
    private static final ObjectMapper JSON = new ObjectMapper();

    private static KeycloakIdp keycloak;
    private static GatewayHarness harness;
    private static ConsoleBrowser browser;
    private static String url;

    @BeforeAll
    static void start() throws Exception {
        keycloak = KeycloakIdp.launch();
        CompletableFuture<ConsoleBrowser> chromium = CompletableFuture.supplyAsync(ConsoleBrowser::start);
        String realm = keycloak.url() + "/realms/sluice";
        harness = GatewayHarness.start(oidc -> """
                  people:
                    oidc:
                      issuer: %s
                      client-id: sluice-console
                      client-secret: kc-console-secret
                      groups-claim: groups
                    saml:
                      idp-metadata-url: %s/protocol/saml/descriptor
                      entity-id: %s
                      groups-attribute: groups
                """.formatted(realm, realm, ENTITY_ID), oidc -> """
                api:
                  auditor-groups: [auditors]
                """, false);
        url = "http://127.0.0.1:" + harness.gateway().httpPort();
        browser = chromium.join();
        keycloak.awaitReady().createRealm(realm(url));
    }

    @AfterAll
    static void stop() throws Exception {
        if (browser != null) {
            browser.close();
        }
        if (harness != null) {
            harness.close();
        }
        if (keycloak != null) {
            keycloak.close();
        }
    }

    /**
     * Realm {@code sluice}: groups auditors and sre, user alice in both and bob in auditors (profiles complete, so
     * no page asks for more), a SAML client whose entity id is Sluice's, signing responses and assertions with RSA-SHA256 and
     * sending the groups as the {@code groups} attribute, with its single logout back to the console; and a
     * confidential OIDC client with PKCE S256 and a {@code groups} claim.
     */
    private static String realm(String console) {
        return """
                {"realm": "sluice", "enabled": true,
                 "groups": [{"name": "auditors"}, {"name": "sre"}],
                 "users": [{"username": "alice", "enabled": true, "email": "alice@example.test", "emailVerified": true,
                   "firstName": "Alice", "lastName": "Example", "groups": ["/auditors", "/sre"],
                   "credentials": [{"type": "password", "value": "alice-pw", "temporary": false}]},
                  {"username": "bob", "enabled": true, "email": "bob@example.test", "emailVerified": true,
                   "firstName": "Bob", "lastName": "Example", "groups": ["/auditors"],
                   "credentials": [{"type": "password", "value": "bob-pw", "temporary": false}]}],
                 "clients": [
                  {"clientId": "%2$s", "protocol": "saml", "enabled": true, "frontchannelLogout": true,
                   "redirectUris": ["%1$s/*"],
                   "attributes": {"saml.assertion.signature": "true", "saml.server.signature": "true",
                     "saml.client.signature": "false", "saml.signature.algorithm": "RSA_SHA256",
                     "saml.authnstatement": "true",
                     "saml.force.post.binding": "true", "saml_force_name_id_format": "true",
                     "saml_name_id_format": "username",
                     "saml_assertion_consumer_url_post": "%1$s/console/saml/acs",
                     "saml_single_logout_service_url_redirect": "%1$s/console/saml/slo",
                     "saml_single_logout_service_url_post": "%1$s/console/saml/slo"},
                   "protocolMappers": [{"name": "groups", "protocol": "saml",
                     "protocolMapper": "saml-group-membership-mapper",
                     "config": {"attribute.name": "groups", "full.path": "false", "single": "true",
                       "attribute.nameformat": "Basic"}}]},
                  {"clientId": "sluice-console", "protocol": "openid-connect", "enabled": true, "publicClient": false,
                   "secret": "kc-console-secret", "standardFlowEnabled": true, "directAccessGrantsEnabled": false,
                   "redirectUris": ["%1$s/console/oidc/callback"],
                   "attributes": {"pkce.code.challenge.method": "S256",
                     "backchannel.logout.url": "%1$s/console/oidc/backchannel-logout",
                     "backchannel.logout.session.required": "true",
                     "post.logout.redirect.uris": "%1$s/console/login?signed-out=1"},
                   "protocolMappers": [{"name": "groups", "protocol": "openid-connect",
                     "protocolMapper": "oidc-group-membership-mapper",
                     "config": {"claim.name": "groups", "full.path": "false", "id.token.claim": "true",
                       "access.token.claim": "true", "userinfo.token.claim": "true"}}]}]}
                """.formatted(console, ENTITY_ID);
    }

    /** From the console's sign-in page through Keycloak's login form with {@code method}; returns on the console. */
    private static Page signIn(BrowserContext context, String method) {
        return signIn(context, method, false);
    }

    private static Page signIn(BrowserContext context, String method, boolean screenshot) {
        return signIn(context, method, screenshot, "alice");
    }

    private static Page signIn(BrowserContext context, String method, boolean screenshot, String user) {
        Page page = context.newPage();
        page.navigate(url + "/console/");
        page.click("a[href^='/console/login/" + method + "']");
        page.waitForURL(u -> u.startsWith(keycloak.url()));
        page.waitForSelector("#username");
        if (screenshot) {
            ConsoleBrowser.screenshot(page, "keycloak-login");
        }
        page.fill("#username", user);
        page.fill("#password", user + "-pw");
        page.click("#kc-login");
        page.waitForURL(u -> u.startsWith(url + "/console/"));
        page.waitForSelector(".who .person");
        return page;
    }

    /** {@code /console/api/me} as the page's own script sees it (its cookies, same origin). */
    private static JsonNode me(Page page) throws Exception {
        return JSON.readTree((String) page.evaluate("async () => { const r = await fetch('/console/api/me'); "
                + "return JSON.stringify({status: r.status, body: await r.json()}); }"));
    }

    private static int meStatus(Page page) throws Exception {
        return me(page).path("status").asInt();
    }

    @Test
    void aPersonSignsInWithSamlThroughKeycloaksLoginPageAndLandsWithTheirGroups() throws Exception {
        try (BrowserContext context = browser.person()) {
            Page page = signIn(context, "saml", true);
            assertThat(page.textContent(".who .person")).isEqualTo("alice");
            assertThat(page.textContent(".who .groups")).contains("auditors", "sre");
            assertThat(page.locator("nav a").allTextContents()).contains("Audit", "Sessions");
            ConsoleBrowser.screenshot(page, "keycloak-saml-signed-in");
            JsonNode me = me(page).path("body");
            assertThat(me.path("method").asText()).isEqualTo("saml");
            assertThat(me.path("subject").asText()).isEqualTo("alice");
            assertThat(me.path("issuer").asText()).isEqualTo(keycloak.url() + "/realms/sluice");
            assertThat(harness.audit(AuditQuery.all().withKind("console.signin"))).anySatisfy(e -> {
                assertThat(e.subject()).isEqualTo("alice");
                assertThat(e.verdict()).isEqualTo("allow");
                assertThat(e.details()).containsEntry("method", "saml");
            });
        }
    }

    @Test
    void samlSignOutEndsTheConsoleSessionAndKeycloaksSoTheNextVisitAsksForThePasswordAgain() throws Exception {
        try (BrowserContext context = browser.person()) {
            Page page = signIn(context, "saml");
            page.click("form[action='/console/logout'] button");
            page.waitForURL(u -> u.startsWith(url + "/console/login?signed-out=1"));
            assertThat(page.textContent("main, body")).contains("You are signed out");
            assertThat(meStatus(page)).isEqualTo(401);
            assertThat(harness.audit(AuditQuery.all().withKind("console.signout"))).anySatisfy(e -> {
                assertThat(e.subject()).isEqualTo("alice");
                assertThat(e.details()).containsEntry("method", "saml").containsEntry("reason", "signed-out");
            });

            page.click("a[href^='/console/login/saml']");
            page.waitForURL(u -> u.startsWith(keycloak.url()));
            page.waitForLoadState(LoadState.DOMCONTENTLOADED);
            assertThat(page.locator("#password").count()).as("Keycloak's session ended too: it asks again")
                    .isEqualTo(1);
        }
    }

    @Test
    void aPersonSignsInWithOidcThroughKeycloakAndSignsOutOfBoth() throws Exception {
        try (BrowserContext context = browser.person()) {
            Page page = signIn(context, "oidc");
            assertThat(page.textContent(".who .person")).isEqualTo("alice");
            assertThat(page.textContent(".who .groups")).contains("auditors", "sre");
            JsonNode me = me(page).path("body");
            assertThat(me.path("method").asText()).isEqualTo("oidc");
            assertThat(me.path("issuer").asText()).isEqualTo(keycloak.url() + "/realms/sluice");
            assertThat(me.path("groups").toString()).contains("auditors", "sre");

            page.click("form[action='/console/logout'] button");
            page.waitForURL(u -> u.startsWith(keycloak.url()) || u.startsWith(url + "/console/login?signed-out=1"));
            if (page.url().startsWith(keycloak.url())) {
                // no ID token is kept for id_token_hint, so Keycloak asks the person to confirm
                ConsoleBrowser.screenshot(page, "keycloak-oidc-logout");
                page.click("#kc-logout");
                page.waitForURL(u -> u.startsWith(url + "/console/login?signed-out=1"));
            }
            assertThat(meStatus(page)).isEqualTo(401);
            assertThat(harness.audit(AuditQuery.all().withKind("console.signout")))
                    .anySatisfy(e -> assertThat(e.details()).containsEntry("method", "oidc"));

            page.click("a[href^='/console/login/oidc']");
            page.waitForURL(u -> u.startsWith(keycloak.url()));
            page.waitForLoadState(LoadState.DOMCONTENTLOADED);
            assertThat(page.locator("#password").count()).as("Keycloak's session ended too").isEqualTo(1);
        }
    }

    @Test
    void whenKeycloakEndsThePersonsSessionItsBackChannelLogoutEndsTheConsoleSessionToo() throws Exception {
        try (BrowserContext context = browser.person()) {
            // bob signs in only here: Keycloak holds exactly one session of his, the one this console session has
            Page page = signIn(context, "oidc", false, "bob");
            assertThat(meStatus(page)).isEqualTo(200);
            String subject = me(page).path("body").path("subject").asText();
            keycloak.logoutUser("sluice", "bob");
            long deadline = System.nanoTime() + java.time.Duration.ofSeconds(20).toNanos();
            while (meStatus(page) == 200 && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            assertThat(meStatus(page)).as("signed out by Keycloak's back-channel logout").isEqualTo(401);
            assertThat(harness.audit(AuditQuery.all().withKind("console.signout"))).anySatisfy(e -> {
                assertThat(e.subject()).isEqualTo(subject);
                assertThat(e.details()).containsEntry("method", "oidc").containsEntry("reason", "idp-logout");
            });
        }
    }

    @Test
    void aForgedBackChannelLogoutTokenEndsNothing() throws Exception {
        try (BrowserContext context = browser.person()) {
            Page page = signIn(context, "oidc");
            String subject = me(page).path("body").path("subject").asText();
            // the right claims, signed with a key of our own (alg none is refused as well)
            java.security.KeyPairGenerator generator = java.security.KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            java.security.KeyPair keys = generator.generateKeyPair();
            com.nimbusds.jwt.SignedJWT forged = new com.nimbusds.jwt.SignedJWT(new com.nimbusds.jose.JWSHeader
                    .Builder(com.nimbusds.jose.JWSAlgorithm.RS256).type(new com.nimbusds.jose.JOSEObjectType(
                    "logout+jwt")).build(), new com.nimbusds.jwt.JWTClaimsSet.Builder()
                    .issuer(keycloak.url() + "/realms/sluice").audience("sluice-console").subject(subject)
                    .issueTime(new java.util.Date()).jwtID("forged-1")
                    .claim("events", java.util.Map.of("http://schemas.openid.net/event/backchannel-logout",
                            java.util.Map.of())).build());
            forged.sign(new com.nimbusds.jose.crypto.RSASSASigner(keys.getPrivate()));
            for (String token : java.util.List.of(forged.serialize(), new com.nimbusds.jwt.PlainJWT(
                    forged.getJWTClaimsSet()).serialize(), "not-a-jwt")) {
                var response = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(url + "/console/oidc/backchannel-logout"))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString("logout_token="
                                + java.net.URLEncoder.encode(token, java.nio.charset.StandardCharsets.UTF_8)))
                        .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
                assertThat(response.statusCode()).isEqualTo(400);
            }
            assertThat(meStatus(page)).as("still signed in").isEqualTo(200);
        }
    }
}
