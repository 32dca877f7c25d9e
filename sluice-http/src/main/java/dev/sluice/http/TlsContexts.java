package dev.sluice.http;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import javax.net.ssl.SSLContext;

import dev.sluice.core.config.WebTarget;

/** The upstream TLS contexts, one per distinct TLS setting, built on first use. Thread-safe. */
final class TlsContexts {
    private final Map<WebTarget.Tls, SSLContext> contexts = new ConcurrentHashMap<>();

    SSLContext forTarget(HttpTarget target) {
        return contexts.computeIfAbsent(target.tls(), UpstreamTls::context);
    }
}
