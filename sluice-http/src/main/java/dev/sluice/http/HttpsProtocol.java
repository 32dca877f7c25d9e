package dev.sluice.http;

import java.io.IOException;
import java.time.Clock;
import java.util.Map;
import java.util.Set;

import dev.sluice.core.access.TargetGrant;
import dev.sluice.core.config.HttpsConfig;
import dev.sluice.core.config.ListenerLimits;
import dev.sluice.core.config.WebTarget;
import dev.sluice.core.policy.Command;
import dev.sluice.core.policy.Vocabulary;
import dev.sluice.core.spi.ProtocolContext;
import dev.sluice.core.spi.ProtocolListener;
import dev.sluice.core.spi.ProtocolProvider;

/**
 * The HTTPS proxy as the gateway finds it ({@link java.util.ServiceLoader}): one listener on {@code listen.https}
 * for both connection types, {@code kubernetes} (commands of protocol {@code kubernetes}) and {@code http}
 * (protocol {@code http}), with their kinds and "dangerous" catalogues ({@link KubeCatalogue}).
 */
public final class HttpsProtocol implements ProtocolProvider {
    public static final String NAME = "https";
    /** Kubernetes verbs as kinds; non-resource URLs take their method. */
    static final Set<String> KUBE_KINDS = Set.of("GET", "LIST", "WATCH", "CREATE", "UPDATE", "PATCH", "DELETE",
            "DELETECOLLECTION", "EXEC", "ATTACH", "PORTFORWARD", "PROXY", "LOGS", "POST", "PUT", "HEAD", "OPTIONS");
    static final Set<String> HTTP_KINDS = Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE");

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Vocabulary vocabulary() {
        return Vocabulary.of(WebTarget.KUBERNETES, KUBE_KINDS, Map.of(Command.RESOURCES, KubeCatalogue.DANGEROUS))
                .plus(Vocabulary.of(WebTarget.HTTP, HTTP_KINDS, Map.of()));
    }

    @Override
    public ProtocolListener start(ProtocolContext context) throws IOException {
        HttpsConfig settings = HttpsConfig.of(context.state().get().config());
        Clock clock = context.clock();
        ProxyServices services = new ProxyServices(settings, new CoreGate(context.access(), context.sessions(), context.state()),
                session -> {
                    TargetGrant grant = ((CoreCallerSession) session).grant();
                    // a via connection: the relay opens the upstream and injects the credential the gateway never has
                    return grant.connection().via().isPresent()
                            ? context.dialer().dialLoggedIn(grant, "session", Map.of())
                            : context.dialer().dial(grant, "session");
                },
                new TlsContexts(), new OAuth2Tokens(clock), clock, context.sessions()::upstreamFailed);
        HttpsListener listener = HttpsListener.start(context.address(), context.tls(),
                ListenerLimits.of(context.state().get().config()), services);
        return new ProtocolListener() {
            @Override
            public int port() {
                return listener.port();
            }

            @Override
            public void close() {
                listener.close();
            }
        };
    }
}
