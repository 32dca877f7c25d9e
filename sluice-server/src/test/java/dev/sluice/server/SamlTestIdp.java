package dev.sluice.server;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.zip.Inflater;
import java.util.zip.InflaterInputStream;

import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.apache.xml.security.c14n.Canonicalizer;
import org.apache.xml.security.signature.XMLSignature;
import org.apache.xml.security.transforms.Transforms;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/**
 * A small SAML 2.0 identity provider for the console tests, because a real one (Keycloak, 160 MB, 10–25 s to start)
 * does not fit a 60-second module budget: it signs real responses with Apache Santuario (RSA-SHA256, exclusive
 * canonicalisation, enveloped signature on the assertion), the same XML-DSig library the console verifies with, from
 * a key and certificate it makes at start and publishes in its metadata. Its SSO endpoint takes an HTTP-Redirect
 * AuthnRequest, shows a login form (user name, groups) and answers the ACS with an auto-submitting HTTP-POST form.
 * Tests also use {@link #response} to build valid responses and then forge them.
 */
final class SamlTestIdp implements AutoCloseable {
    static final String SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol";
    static final String SAML = "urn:oasis:names:tc:SAML:2.0:assertion";

    private final HttpServer server;
    private final KeyPair keys;
    private final X509Certificate certificate;
    private final Path metadata;
    private final String audience;

    static {
        org.apache.xml.security.Init.init();
    }

    private SamlTestIdp(HttpServer server, KeyPair keys, X509Certificate certificate, Path metadata,
                        String audience) {
        this.audience = audience;
        this.server = server;
        this.keys = keys;
        this.certificate = certificate;
        this.metadata = metadata;
    }

    /** Starts the IdP; its responses are for the SP {@code audience} (the SP's entity id). */
    static SamlTestIdp start(Path dir, String audience) throws Exception {
        KeyPair keys = keyPair();
        X509Certificate certificate = certificate(keys);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        SamlTestIdp result = new SamlTestIdp(server, keys, certificate, dir.resolve("idp-metadata.xml"),
                audience);
        server.createContext("/sso", result::sso);
        server.createContext("/login", result::login);
        server.start();
        Files.writeString(result.metadata, result.metadataXml());
        return result;
    }

    static KeyPair keyPair() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        return generator.generateKeyPair();
    }

    static X509Certificate certificate(KeyPair keys) throws Exception {
        Instant now = Instant.now();
        var builder = new JcaX509v3CertificateBuilder(new X500Name("CN=sluice-test-idp"), BigInteger.valueOf(
                now.toEpochMilli()), Date.from(now.minus(1, ChronoUnit.DAYS)), Date.from(now.plus(1, ChronoUnit.DAYS)),
                new X500Name("CN=sluice-test-idp"), keys.getPublic());
        return new JcaX509CertificateConverter().getCertificate(builder.build(
                new JcaContentSignerBuilder("SHA256withRSA").build(keys.getPrivate())));
    }

    String entityId() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/idp";
    }

    Path metadataFile() {
        return metadata;
    }

    KeyPair keys() {
        return keys;
    }

    X509Certificate certificate() {
        return certificate;
    }

    private String metadataXml() throws Exception {
        return """
                <?xml version="1.0"?>
                <md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="%s">
                  <md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
                    <md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data>
                      <ds:X509Certificate>%s</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
                    <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified</md:NameIDFormat>
                    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="http://127.0.0.1:%d/sso"/>
                  </md:IDPSSODescriptor>
                </md:EntityDescriptor>
                """.formatted(entityId(), Base64.getEncoder().encodeToString(certificate.getEncoded()),
                server.getAddress().getPort());
    }

    /** What a response says; tests change fields to forge. */
    record Claims(String inResponseTo, String acs, String audience, String nameId, List<String> groups,
                  Instant notBefore, Instant notOnOrAfter) {
        Claims with(String newNameId) {
            return new Claims(inResponseTo, acs, audience, newNameId, groups, notBefore, notOnOrAfter);
        }
    }

    static Claims claims(String inResponseTo, String acs, String audience, String nameId, List<String> groups) {
        Instant now = Instant.now();
        return new Claims(inResponseTo, acs, audience, nameId, groups, now.minusSeconds(30), now.plusSeconds(300));
    }

    /** A response document whose assertion is signed with {@code key} (none when null). */
    Document response(Claims c, PrivateKey key) throws Exception {
        String assertionId = "_a" + UUID.randomUUID();
        StringBuilder attributes = new StringBuilder();
        for (String group : c.groups()) {
            attributes.append("<saml:AttributeValue>").append(group).append("</saml:AttributeValue>");
        }
        String xml = """
                <samlp:Response xmlns:samlp="%s" xmlns:saml="%s" ID="_r%s" Version="2.0" IssueInstant="%s" Destination="%s" InResponseTo="%s">
                <saml:Issuer>%s</saml:Issuer>
                <samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>
                <saml:Assertion ID="%s" Version="2.0" IssueInstant="%s">
                <saml:Issuer>%s</saml:Issuer>
                <saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified">%s</saml:NameID>
                <saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="%s" Recipient="%s" InResponseTo="%s"/></saml:SubjectConfirmation></saml:Subject>
                <saml:Conditions NotBefore="%s" NotOnOrAfter="%s"><saml:AudienceRestriction><saml:Audience>%s</saml:Audience></saml:AudienceRestriction></saml:Conditions>
                <saml:AuthnStatement AuthnInstant="%s" SessionIndex="_s%s"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:Password</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>
                <saml:AttributeStatement><saml:Attribute Name="groups">%s</saml:Attribute></saml:AttributeStatement>
                </saml:Assertion>
                </samlp:Response>
                """.formatted(SAMLP, SAML, UUID.randomUUID(), Instant.now(), c.acs(), c.inResponseTo(), entityId(),
                assertionId, Instant.now(), entityId(), c.nameId(), c.notOnOrAfter(), c.acs(), c.inResponseTo(),
                c.notBefore(), c.notOnOrAfter(), c.audience(), Instant.now(), UUID.randomUUID(), attributes);
        Document result = parse(xml);
        Element assertion = (Element) result.getElementsByTagNameNS(SAML, "Assertion").item(0);
        assertion.setIdAttributeNS(null, "ID", true);
        ((Element) result.getDocumentElement()).setIdAttributeNS(null, "ID", true);
        if (key != null) {
            sign(assertion, assertionId, key);
        }
        return result;
    }

    /** Enveloped RSA-SHA256 signature over {@code element}, placed after its Issuer as the schema wants. */
    void sign(Element element, String id, PrivateKey key) throws Exception {
        XMLSignature signature = new XMLSignature(element.getOwnerDocument(), "",
                XMLSignature.ALGO_ID_SIGNATURE_RSA_SHA256, Canonicalizer.ALGO_ID_C14N_EXCL_OMIT_COMMENTS);
        Element issuer = (Element) element.getElementsByTagNameNS(SAML, "Issuer").item(0);
        element.insertBefore(signature.getElement(), issuer.getNextSibling());
        Transforms transforms = new Transforms(element.getOwnerDocument());
        transforms.addTransform(Transforms.TRANSFORM_ENVELOPED_SIGNATURE);
        transforms.addTransform(Transforms.TRANSFORM_C14N_EXCL_OMIT_COMMENTS);
        signature.addDocument("#" + id, transforms, "http://www.w3.org/2001/04/xmlenc#sha256");
        signature.addKeyInfo(certificate);
        signature.sign(key);
    }

    static Document parse(String xml) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        return factory.newDocumentBuilder().parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
    }

    static String text(Document document) throws Exception {
        var transformer = TransformerFactory.newInstance().newTransformer();
        transformer.setOutputProperty(OutputKeys.OMIT_XML_DECLARATION, "yes");
        StringWriter out = new StringWriter();
        transformer.transform(new DOMSource(document), new StreamResult(out));
        return out.toString();
    }

    static String base64(String xml) {
        return Base64.getEncoder().encodeToString(xml.getBytes(StandardCharsets.UTF_8));
    }

    /** The ID and ACS URL of an HTTP-Redirect {@code SAMLRequest} (base64 of raw DEFLATE). */
    static Map<String, String> authnRequest(String encoded) throws Exception {
        byte[] deflated = Base64.getDecoder().decode(encoded);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (var in = new InflaterInputStream(new ByteArrayInputStream(deflated), new Inflater(true))) {
            in.transferTo(out);
        }
        Element request = parse(out.toString(StandardCharsets.UTF_8)).getDocumentElement();
        return Map.of("id", request.getAttribute("ID"), "acs", request.getAttribute("AssertionConsumerServiceURL"));
    }

    private void sso(HttpExchange exchange) throws IOException {
        try {
            Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
            Map<String, String> request = authnRequest(query.get("SAMLRequest"));
            page(exchange, """
                    <!doctype html><html><head><title>Test IdP</title></head><body>
                    <h1>Test SAML IdP</h1>
                    <form method="post" action="/login">
                    <label>User <input name="username"></label>
                    <label>Groups <input name="groups"></label>
                    <input type="hidden" name="id" value="%s"><input type="hidden" name="acs" value="%s">
                    <input type="hidden" name="relay" value="%s">
                    <button type="submit">Sign in</button></form></body></html>
                    """.formatted(request.get("id"), request.get("acs"), query.get("RelayState")));
        } catch (Exception e) {
            exchange.sendResponseHeaders(400, -1);
            exchange.close();
        }
    }

    private void login(HttpExchange exchange) throws IOException {
        try {
            Map<String, String> form = query(new String(exchange.getRequestBody().readAllBytes(),
                    StandardCharsets.UTF_8));
            Document response = response(claims(form.get("id"), form.get("acs"), audience, form.get("username"),
                    List.of(form.get("groups").split(","))), keys.getPrivate());
            page(exchange, """
                    <!doctype html><html><body onload="document.forms[0].submit()">
                    <form method="post" action="%s"><input type="hidden" name="SAMLResponse" value="%s">
                    <input type="hidden" name="RelayState" value="%s"><noscript><button>Continue</button></noscript>
                    </form></body></html>
                    """.formatted(form.get("acs"), base64(text(response)), form.get("relay")));
        } catch (Exception e) {
            exchange.sendResponseHeaders(500, -1);
            exchange.close();
        }
    }

    private static void page(HttpExchange exchange, String html) throws IOException {
        byte[] body = html.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "text/html; charset=utf-8");
        exchange.sendResponseHeaders(200, body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
    }

    static Map<String, String> query(String raw) {
        Map<String, String> result = new HashMap<>();
        if (raw == null) {
            return result;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                result.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return result;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
