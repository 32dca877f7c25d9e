package dev.sluice.demo;

import java.net.InetAddress;
import java.net.URI;

import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.OAuth2Config;

/**
 * The demo's throwaway OIDC provider for people signing in to the console: an interactive login page where any user
 * name (and a JSON text of extra claims such as {@code {"groups": ["sre"]}}) signs in, on a free loopback port. For
 * {@code sluice demo} only: it trusts whoever types a name.
 */
public final class DemoIdentityProvider implements AutoCloseable {
    private final MockOAuth2Server server;

    private DemoIdentityProvider(MockOAuth2Server server) {
        this.server = server;
    }

    public static DemoIdentityProvider start() {
        MockOAuth2Server server = new MockOAuth2Server(OAuth2Config.Companion.fromJson("{\"interactiveLogin\": true}"));
        server.start(InetAddress.getLoopbackAddress(), 0);
        return new DemoIdentityProvider(server);
    }

    /** The issuer URL of {@code issuerId}, also the base of its {@code /.well-known/openid-configuration}. */
    public URI issuer(String issuerId) {
        return URI.create(server.issuerUrl(issuerId).toString());
    }

    @Override
    public void close() {
        server.shutdown();
    }
}
