package dev.sluice.core.identity;

import java.net.InetAddress;
import java.net.URI;
import java.util.Locale;

/** Which URLs may carry discovery documents and signing keys: https anywhere, plain http only on loopback. */
final class Transport {

    private Transport() {
    }

    static boolean allowed(URI uri) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        String host = uri.getHost();
        if (host == null || host.isEmpty() || !uri.isAbsolute()) {
            return false;
        }
        return switch (scheme) {
            case "https" -> true;
            case "http" -> loopback(host);
            default -> false;
        };
    }

    static boolean loopback(String host) {
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (bare.equalsIgnoreCase("localhost")) {
            return true;
        }
        boolean literal = bare.contains(":") || bare.matches("\\d{1,3}(\\.\\d{1,3}){3}");
        if (!literal) {
            return false; // a name other than localhost could resolve anywhere; never resolve it here
        }
        try {
            return InetAddress.ofLiteral(bare).isLoopbackAddress();
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
