package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * SAML sign-in to the console: Chromium through the test IdP's login form ({@link SamlTestIdp}, which signs real
 * responses with Santuario), and forged responses posted to the ACS that must be refused: another key, no
 * signature, XML signature wrapping (a second assertion beside the signed one, and the signed one wrapped inside an
 * evil one), comment injection in the NameID, replay, wrong audience, recipient or InResponseTo, expiry, and a
 * response carried to another browser. Each checks that no session cookie was issued.
 */
class ConsoleSamlE2ETest {
    private static final String ENTITY_ID = "https://sluice.test/saml";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    private static Path dir;
    private static SamlTestIdp idp;
    private static GatewayHarness harness;
    private static String url;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("sluice-saml-");
        idp = SamlTestIdp.start(dir, ENTITY_ID);
        harness = GatewayHarness.start(oidc -> """
                  people:
                    saml:
                      idp-metadata: %s
                      entity-id: %s
                      groups-attribute: groups
                """.formatted(idp.metadataFile(), ENTITY_ID), oidc -> """
                api:
                  auditor-groups: [auditors]
                """, false);
        url = "http://127.0.0.1:" + harness.gateway().httpPort();
    }

    @AfterAll
    static void stop() throws Exception {
        if (harness != null) {
            harness.close();
        }
        idp.close();
    }

    /** A sign-in begun by this client: the request id, its RelayState and the browser-binding cookie. */
    private record Begun(String requestId, String relayState, String cookie) {
    }

    private static Begun begin() throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/console/login/saml"))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(302);
        URI location = URI.create(response.headers().firstValue("Location").orElseThrow());
        Map<String, String> query = SamlTestIdp.query(location.getRawQuery());
        String cookie = response.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith(
                "sluice_signin=")).findFirst().orElseThrow().split(";")[0];
        return new Begun(SamlTestIdp.authnRequest(query.get("SAMLRequest")).get("id"), query.get("RelayState"),
                cookie);
    }

    private static SamlTestIdp.Claims claims(Begun begun, String nameId) {
        return SamlTestIdp.claims(begun.requestId(), url + "/console/saml/acs", ENTITY_ID, nameId,
                List.of("auditors"));
    }

    /** Posts a response to the ACS; the session cookie it set, if any. */
    private static Optional<String> post(Begun begun, Optional<String> cookie, String xml) throws Exception {
        String form = "SAMLResponse=" + URLEncoder.encode(SamlTestIdp.base64(xml), StandardCharsets.UTF_8)
                + "&RelayState=" + URLEncoder.encode(begun.relayState(), StandardCharsets.UTF_8);
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url + "/console/saml/acs"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form));
        cookie.ifPresent(c -> request.header("Cookie", c));
        HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        Optional<String> result = response.headers().allValues("Set-Cookie").stream()
                .filter(c -> c.startsWith("sluice_console=") && !c.startsWith("sluice_console=;"))
                .findFirst().map(c -> c.split(";")[0]);
        assertThat(response.statusCode()).isEqualTo(result.isPresent() ? 302 : 400);
        assertThat(response.body()).doesNotContain("<saml:Assertion", "SignatureValue");
        return result;
    }

    private static JsonNode me(String cookie) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/console/api/me"))
                .header("Cookie", cookie).GET().build(), HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(response.body());
    }

    private static String signed(Begun begun, String nameId) throws Exception {
        return SamlTestIdp.text(idp.response(claims(begun, nameId), idp.keys().getPrivate()));
    }

    @Test
    void aPersonSignsInWithChromiumThroughTheIdpLoginForm() {
        try (ConsoleBrowser browser = ConsoleBrowser.start(); BrowserContext context = browser.person()) {
            Page page = context.newPage();
            page.navigate(url + "/");
            page.waitForSelector("input[name=username]");
            page.fill("input[name=username]", "sam");
            page.fill("input[name=groups]", "auditors,oncall");
            page.click("button[type=submit]");
            page.waitForURL(u -> u.startsWith(url + "/console/"));
            page.waitForSelector(".who .person");
            assertThat(page.textContent(".who .person")).isEqualTo("sam");
            assertThat(page.textContent(".who .groups")).contains("auditors", "oncall");
            assertThat(page.locator("nav a").allTextContents()).contains("Audit", "Sessions");
        }
    }

    @Test
    void aValidResponseSignsInOnceAndItsReplayIsRefused() throws Exception {
        Begun begun = begin();
        String response = signed(begun, "alice");
        Optional<String> session = post(begun, Optional.of(begun.cookie()), response);
        assertThat(session).isPresent();
        JsonNode me = me(session.get());
        assertThat(me.path("subject").asText()).isEqualTo("alice");
        assertThat(me.path("issuer").asText()).isEqualTo(idp.entityId());
        assertThat(me.path("roles").path("auditor").asBoolean()).isTrue();
        assertThat(harness.audit(dev.sluice.core.audit.AuditQuery.all().withKind("console.signin")))
                .anySatisfy(e -> {
                    assertThat(e.subject()).isEqualTo("alice");
                    assertThat(e.verdict()).isEqualTo("allow");
                    assertThat(e.details()).containsEntry("method", "saml");
                });

        assertThat(post(begun, Optional.of(begun.cookie()), response)).as("same RelayState again").isEmpty();
        Begun again = begin();
        assertThat(post(again, Optional.of(again.cookie()), response)).as("old assertion, new sign-in").isEmpty();
    }

    @Test
    void aResponseSignedByAnotherKeyOrNotSignedIsRefused() throws Exception {
        Begun begun = begin();
        Document otherKey = idp.response(claims(begun, "mallory"), SamlTestIdp.keyPair().getPrivate());
        assertThat(post(begun, Optional.of(begun.cookie()), SamlTestIdp.text(otherKey))).isEmpty();
        Begun second = begin();
        Document unsigned = idp.response(claims(second, "mallory"), null);
        assertThat(post(second, Optional.of(second.cookie()), SamlTestIdp.text(unsigned))).isEmpty();
        assertThat(harness.audit(dev.sluice.core.audit.AuditQuery.all().withKind("console.signin")))
                .filteredOn(e -> e.verdict().equals("deny")).extracting(e -> e.error())
                .anyMatch(error -> error.contains("Signature validation failed"))
                .anyMatch(error -> error.contains("not signed"));
    }

    @Test
    void signatureWrappingWithASecondAssertionBesideTheSignedOneIsRefused() throws Exception {
        Begun begun = begin();
        Document document = idp.response(claims(begun, "alice"), idp.keys().getPrivate());
        Element signed = assertion(document);
        Element evil = (Element) signed.cloneNode(true);
        evil.setAttribute("ID", "_evil");
        evil.removeChild(evil.getElementsByTagNameNS("http://www.w3.org/2000/09/xmldsig#", "Signature").item(0));
        nameId(evil).setTextContent("admin");
        signed.getParentNode().insertBefore(evil, signed);
        assertThat(post(begun, Optional.of(begun.cookie()), SamlTestIdp.text(document))).isEmpty();
    }

    @Test
    void signatureWrappingWithTheSignedAssertionHiddenInsideAnEvilOneIsRefused() throws Exception {
        Begun begun = begin();
        Document document = idp.response(claims(begun, "alice"), idp.keys().getPrivate());
        Element signed = assertion(document);
        Element evil = (Element) signed.cloneNode(true);
        evil.setAttribute("ID", "_evil");
        evil.removeChild(evil.getElementsByTagNameNS("http://www.w3.org/2000/09/xmldsig#", "Signature").item(0));
        nameId(evil).setTextContent("admin");
        Node parent = signed.getParentNode();
        parent.replaceChild(evil, signed);
        Element subject = (Element) evil.getElementsByTagNameNS(SamlTestIdp.SAML, "Subject").item(0);
        subject.appendChild(signed);
        assertThat(post(begun, Optional.of(begun.cookie()), SamlTestIdp.text(document))).isEmpty();
    }

    @Test
    void aCommentInjectedIntoTheSignedNameIdIsRefused() throws Exception {
        Begun begun = begin();
        Document document = idp.response(claims(begun, "alice.evil.example"), idp.keys().getPrivate());
        Element nameId = nameId(assertion(document));
        nameId.setTextContent("alice");
        nameId.appendChild(document.createComment("injected"));
        nameId.appendChild(document.createTextNode(".evil.example"));
        // exclusive canonicalisation drops comments, so the signature still verifies: the response must be refused
        // rather than read as "alice"
        assertThat(post(begun, Optional.of(begun.cookie()), SamlTestIdp.text(document))).isEmpty();
        assertThat(harness.audit(dev.sluice.core.audit.AuditQuery.all().withKind("console.signin")))
                .noneMatch(e -> e.verdict().equals("allow") && e.subject().startsWith("alice."))
                .anyMatch(e -> e.error().contains("XML comment"));
    }

    @Test
    void wrongAudienceRecipientInResponseToOrAnExpiredAssertionIsRefused() throws Exception {
        Begun a = begin();
        SamlTestIdp.Claims c = claims(a, "alice");
        assertThat(post(a, Optional.of(a.cookie()), SamlTestIdp.text(idp.response(new SamlTestIdp.Claims(
                c.inResponseTo(), c.acs(), "https://other.example/saml", "alice", c.groups(), c.notBefore(),
                c.notOnOrAfter()), idp.keys().getPrivate())))).as("audience").isEmpty();
        Begun b = begin();
        c = claims(b, "alice");
        assertThat(post(b, Optional.of(b.cookie()), SamlTestIdp.text(idp.response(new SamlTestIdp.Claims(
                c.inResponseTo(), "https://other.example/acs", ENTITY_ID, "alice", c.groups(), c.notBefore(),
                c.notOnOrAfter()), idp.keys().getPrivate())))).as("recipient").isEmpty();
        Begun d = begin();
        c = claims(d, "alice");
        assertThat(post(d, Optional.of(d.cookie()), SamlTestIdp.text(idp.response(new SamlTestIdp.Claims(
                "_other-request", c.acs(), ENTITY_ID, "alice", c.groups(), c.notBefore(), c.notOnOrAfter()),
                idp.keys().getPrivate())))).as("InResponseTo").isEmpty();
        Begun e = begin();
        c = claims(e, "alice");
        Instant past = Instant.now().minusSeconds(3600);
        assertThat(post(e, Optional.of(e.cookie()), SamlTestIdp.text(idp.response(new SamlTestIdp.Claims(
                c.inResponseTo(), c.acs(), ENTITY_ID, "alice", c.groups(), past.minusSeconds(60), past),
                idp.keys().getPrivate())))).as("expired").isEmpty();
    }

    @Test
    void aValidResponseCarriedToAnotherBrowserIsRefused() throws Exception {
        Begun begun = begin();
        assertThat(post(begun, Optional.empty(), signed(begun, "alice"))).isEmpty();
        Begun other = begin();
        assertThat(post(begun, Optional.of(other.cookie()), signed(begun, "alice"))).isEmpty();
    }

    @Test
    void theSpMetadataNamesTheEntityIdAndTheAcs() throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url
                + "/console/saml/metadata")).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("entityID=\"" + ENTITY_ID + "\"", url + "/console/saml/acs",
                "WantAssertionsSigned=\"true\"");
    }

    private static Element assertion(Document document) {
        return (Element) document.getElementsByTagNameNS(SamlTestIdp.SAML, "Assertion").item(0);
    }

    private static Element nameId(Element assertion) {
        return (Element) assertion.getElementsByTagNameNS(SamlTestIdp.SAML, "NameID").item(0);
    }
}
