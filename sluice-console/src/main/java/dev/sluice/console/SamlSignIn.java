package dev.sluice.console;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

import com.onelogin.saml2.authn.AuthnRequest;
import com.onelogin.saml2.authn.SamlResponse;
import com.onelogin.saml2.http.HttpRequest;
import com.onelogin.saml2.logout.LogoutRequest;
import com.onelogin.saml2.logout.LogoutRequestParams;
import com.onelogin.saml2.settings.IdPMetadataParser;
import com.onelogin.saml2.settings.Saml2Settings;
import com.onelogin.saml2.settings.SettingsBuilder;

import dev.sluice.core.config.ConsoleSettings.PeopleSaml;
import dev.sluice.core.identity.Principal;

/**
 * SAML 2.0 sign-in for people, Sluice as the service provider (SP-initiated, HTTP-Redirect request, HTTP-POST
 * response), verified by OneLogin's {@code java-saml} on Apache Santuario in strict mode: the assertion must be
 * signed by the IdP's certificate from its metadata, the response schema-valid, its destination/recipient the
 * console's ACS URL, its audience the configured entity id, its {@code InResponseTo} the id of a request this
 * gateway sent (taken once from {@link PendingSignIns}), and now within its validity window. An assertion id is
 * accepted once ({@link #seen}, kept until the assertion's own expiry), and a response holding an XML comment is
 * refused (comment injection). Thread-safe.
 */
final class SamlSignIn {
    static final int MAX_RESPONSE_CHARS = 256 * 1024;
    static final int MAX_SEEN = 100_000;

    private final PeopleSaml settings;
    private final Supplier<URI> publicUrl;
    private final ReentrantLock lock = new ReentrantLock();
    private final ConcurrentHashMap<String, Instant> seen = new ConcurrentHashMap<>();
    private Map<String, Object> idp = Map.of();

    record Request(String id, URI redirect) {
    }

    /** A verified sign-in: the person, and the IdP's {@code SessionIndex} for single logout ({@code ""} if none). */
    record Verified(Principal person, String sessionIndex) {
    }

    SamlSignIn(PeopleSaml settings, Supplier<URI> publicUrl) {
        this.settings = settings;
        this.publicUrl = publicUrl;
    }

    String acsUrl() {
        return publicUrl.get() + "/console/saml/acs";
    }

    /** A new AuthnRequest and where to send the browser with it. */
    Request request(String relayState) {
        Saml2Settings saml = settings();
        try {
            AuthnRequest request = new AuthnRequest(saml);
            String target = saml.getIdpSingleSignOnServiceUrl().toString();
            String query = "SAMLRequest=" + encode(request.getEncodedAuthnRequest()) + "&RelayState="
                    + encode(relayState);
            return new Request(request.getId(), URI.create(target + (target.contains("?") ? "&" : "?") + query));
        } catch (java.io.IOException e) {
            throw new SignInException("cannot build the SAML request", e);
        }
    }

    /**
     * The person a base64 {@code SAMLResponse} names, if it verifies as an answer to request {@code requestId}.
     *
     * @throws SignInException naming what failed (never echoing the response)
     */
    Verified verify(String encoded, String requestId) {
        if (encoded.isEmpty() || encoded.length() > MAX_RESPONSE_CHARS) {
            throw new SignInException("no SAML response, or one larger than " + MAX_RESPONSE_CHARS + " characters");
        }
        Saml2Settings saml = settings();
        SamlResponse response;
        try {
            response = new SamlResponse(saml, new HttpRequest(acsUrl(), HttpRequest.EMPTY_PARAMETERS)
                    .addParameter("SAMLResponse", encoded));
        } catch (Exception e) {
            throw new SignInException("the SAML response could not be read");
        }
        if (!response.isValid(requestId)) {
            throw new SignInException("the SAML response was refused: " + shorten(response.getError()));
        }
        if (hasComment(parseKeepingComments(response.getSAMLResponseXml()))) {
            // canonicalisation drops comments, so they may be added to a signed response without breaking the
            // signature (NameID "alice<!---->.evil"): IdPs do not write them, and a response that has one is refused
            throw new SignInException("the SAML response was refused: it contains an XML comment");
        }
        try {
            String assertionId = response.getAssertionId();
            Instant until = response.getAssertionNotOnOrAfter().stream().map(i -> Instant.ofEpochMilli(
                    i.getMillis())).max(Instant::compareTo).orElse(Instant.now().plusSeconds(600));
            once(assertionId, until);
            String subject = response.getNameId();
            if (subject == null || subject.isBlank()) {
                throw new SignInException("the SAML assertion names no subject");
            }
            Map<String, List<String>> attributes = response.getAttributes();
            Set<String> groups = new LinkedHashSet<>();
            attributes.getOrDefault(settings.groupsAttribute(), List.of()).stream().map(String::strip)
                    .filter(g -> !g.isEmpty()).limit(OidcSignIn.MAX_GROUPS).forEach(groups::add);
            String index = response.getSessionIndex();
            return new Verified(new Principal(saml.getIdpEntityId(), subject.strip(), subject.strip(), groups,
                    Principal.Kind.HUMAN, List.of()), index == null || index.length() > 256 ? "" : index);
        } catch (SignInException e) {
            throw e;
        } catch (Exception e) {
            throw new SignInException("the SAML assertion could not be read");
        }
    }

    /** The response as DOM with its comments (no DTD, no external entities); null when it does not parse. */
    private static org.w3c.dom.Document parseKeepingComments(String xml) {
        try {
            javax.xml.parsers.DocumentBuilderFactory factory = javax.xml.parsers.DocumentBuilderFactory.newInstance();
            factory.setNamespaceAware(true);
            factory.setIgnoringComments(false);
            factory.setExpandEntityReferences(false);
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            factory.setFeature("http://xml.org/sax/features/external-general-entities", false);
            factory.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
            factory.setAttribute(javax.xml.XMLConstants.ACCESS_EXTERNAL_DTD, "");
            factory.setAttribute(javax.xml.XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
            return factory.newDocumentBuilder().parse(new org.xml.sax.InputSource(new java.io.StringReader(xml)));
        } catch (Exception e) {
            return null;
        }
    }

    private static boolean hasComment(org.w3c.dom.Node node) {
        if (node == null) {
            return true; // unreadable: refuse
        }
        for (org.w3c.dom.Node child = node.getFirstChild(); child != null; child = child.getNextSibling()) {
            if (child.getNodeType() == org.w3c.dom.Node.COMMENT_NODE || hasComment(child)) {
                return true;
            }
        }
        return false;
    }

    /** Records {@code id} until {@code until}; refuses one already seen (a replayed assertion). */
    private void once(String id, Instant until) {
        Instant now = Instant.now();
        if (seen.size() >= MAX_SEEN) {
            seen.values().removeIf(t -> t.isBefore(now));
        }
        if (id == null || id.isBlank() || seen.putIfAbsent(id, until) != null) {
            throw new SignInException("this SAML assertion was already used");
        }
    }

    /**
     * Where to send the browser to end the IdP's session too (SP-initiated single logout, HTTP-Redirect binding):
     * a {@code LogoutRequest} for {@code nameId} and {@code sessionIndex}; empty when the IdP's metadata names no
     * single logout service. The IdP answers at {@link #sloUrl()}.
     */
    java.util.Optional<URI> logout(String nameId, String sessionIndex, String relayState) {
        Saml2Settings saml = settings();
        if (saml.getIdpSingleLogoutServiceUrl() == null) {
            return java.util.Optional.empty();
        }
        try {
            LogoutRequest request = new LogoutRequest(saml, new LogoutRequestParams(sessionIndex.isEmpty() ? null
                    : sessionIndex, nameId));
            String target = saml.getIdpSingleLogoutServiceUrl().toString();
            String query = "SAMLRequest=" + encode(request.getEncodedLogoutRequest()) + "&RelayState="
                    + encode(relayState);
            return java.util.Optional.of(URI.create(target + (target.contains("?") ? "&" : "?") + query));
        } catch (java.io.IOException e) {
            throw new SignInException("cannot build the SAML logout request", e);
        }
    }

    String sloUrl() {
        return publicUrl.get() + "/console/saml/slo";
    }

    /** SP metadata for the IdP: entity id, ACS URL (HTTP-POST), and that assertions must be signed. */
    String metadata() {
        try {
            return settings().getSPMetadata();
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new SignInException("cannot write the SP metadata", e);
        }
    }

    private Saml2Settings settings() {
        Map<String, Object> values = new HashMap<>(idpMetadata());
        values.put(SettingsBuilder.STRICT_PROPERTY_KEY, true);
        values.put(SettingsBuilder.SP_ENTITYID_PROPERTY_KEY, settings.entityId());
        values.put(SettingsBuilder.SP_ASSERTION_CONSUMER_SERVICE_URL_PROPERTY_KEY, acsUrl());
        values.put(SettingsBuilder.SP_SINGLE_LOGOUT_SERVICE_URL_PROPERTY_KEY, sloUrl());
        values.put(SettingsBuilder.SECURITY_WANT_ASSERTIONS_SIGNED, true);
        values.put(SettingsBuilder.SECURITY_WANT_XML_VALIDATION, true);
        values.put(SettingsBuilder.SECURITY_REJECT_DEPRECATED_ALGORITHM, true);
        values.put(SettingsBuilder.SECURITY_REJECT_UNSOLICITED_RESPONSES_WITH_INRESPONSETO, true);
        values.put(SettingsBuilder.SECURITY_WANT_NAMEID, true);
        Saml2Settings result = new SettingsBuilder().fromValues(values).build();
        List<String> errors = result.checkSettings();
        if (!errors.isEmpty()) {
            throw new SignInException("the SAML settings are incomplete: " + String.join(", ", errors));
        }
        return result;
    }

    /** The IdP's entity id, SSO URL and signing certificate from its metadata; read once, re-read after a failure. */
    private Map<String, Object> idpMetadata() {
        lock.lock();
        try {
            if (idp.isEmpty()) {
                String xml = settings.idpMetadata().isPresent() ? read(settings.idpMetadata().get())
                        : fetch(settings.idpMetadataUrl().orElseThrow());
                // java-saml's parser refuses DTDs and external entities
                org.w3c.dom.Document document = com.onelogin.saml2.util.Util.loadXML(xml);
                if (document == null) {
                    throw new SignInException("the SAML IdP metadata is not well-formed XML");
                }
                Map<String, Object> parsed = IdPMetadataParser.parseXML(document);
                if (parsed.get(SettingsBuilder.IDP_ENTITYID_PROPERTY_KEY) == null) {
                    throw new SignInException("the IdP metadata has no usable IDPSSODescriptor");
                }
                idp = Map.copyOf(parsed);
            }
            return idp;
        } catch (SignInException e) {
            throw e;
        } catch (Exception e) {
            throw new SignInException("cannot read the SAML IdP metadata: " + shorten(String.valueOf(
                    e.getMessage())));
        } finally {
            lock.unlock();
        }
    }

    static final int MAX_METADATA_BYTES = 1024 * 1024;

    private static String read(java.nio.file.Path file) throws java.io.IOException {
        try (java.io.InputStream in = java.nio.file.Files.newInputStream(file)) {
            return bounded(in);
        }
    }

    private static String fetch(URI url) throws java.io.IOException, InterruptedException {
        java.net.http.HttpClient client = java.net.http.HttpClient.newBuilder()
                .connectTimeout(java.time.Duration.ofSeconds(5)).build();
        java.net.http.HttpResponse<java.io.InputStream> response = client.send(java.net.http.HttpRequest
                .newBuilder(url).timeout(java.time.Duration.ofSeconds(10)).GET().build(),
                java.net.http.HttpResponse.BodyHandlers.ofInputStream());
        try (java.io.InputStream in = response.body()) {
            if (response.statusCode() != 200) {
                throw new SignInException("the SAML IdP metadata URL answered HTTP " + response.statusCode());
            }
            return bounded(in);
        }
    }

    private static String bounded(java.io.InputStream in) throws java.io.IOException {
        byte[] bytes = in.readNBytes(MAX_METADATA_BYTES + 1);
        if (bytes.length > MAX_METADATA_BYTES) {
            throw new SignInException("the SAML IdP metadata is larger than " + MAX_METADATA_BYTES + " bytes");
        }
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }

    private static String shorten(String text) {
        String result = text == null ? "invalid" : text.replaceAll("[\\r\\n]+", " ");
        return result.length() > 200 ? result.substring(0, 200) + "…" : result;
    }
}
