package dev.sluice.core.config;

import java.net.Inet6Address;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A network address: a host name, an IPv4 literal or an IPv6 literal (written in brackets), and a port.
 * Port 0 is accepted and means "any free port" for a listener. Host names may contain {@code _} (container
 * service names do). Parsing never touches DNS.
 *
 * @param host the host without brackets ({@code ::1}, not {@code [::1]})
 * @param port 0 to 65535
 */
public record HostPort(String host, int port) {
    private static final Pattern HOST_NAME = Pattern.compile(
            "(?=.{1,253}$)[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(\\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*");
    private static final Pattern DIGITS_AND_DOTS = Pattern.compile("[0-9.]+");

    public HostPort {
        Objects.requireNonNull(host, "host");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is out of range (expected 0 to 65535)");
        }
        String problem = hostProblem(host);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
    }

    /**
     * Parses {@code host:port}: {@code 127.0.0.1:5432}, {@code [::1]:5432}, {@code db.example.com:5432}.
     *
     * @throws IllegalArgumentException with a message that names what is wrong
     */
    public static HostPort parse(String text) {
        Objects.requireNonNull(text, "text");
        String trimmed = text.strip();
        String host;
        String portText;
        if (trimmed.startsWith("[")) {
            int close = trimmed.indexOf(']');
            if (close < 0 || close + 1 >= trimmed.length() || trimmed.charAt(close + 1) != ':') {
                throw invalid(trimmed, "an IPv6 address is written [address]:port");
            }
            host = trimmed.substring(1, close);
            portText = trimmed.substring(close + 2);
        } else {
            int colon = trimmed.lastIndexOf(':');
            if (colon < 0) {
                throw invalid(trimmed, "the port is missing");
            }
            host = trimmed.substring(0, colon);
            portText = trimmed.substring(colon + 1);
            if (host.indexOf(':') >= 0) {
                throw invalid(trimmed, "an IPv6 address must be in brackets, e.g. [::1]:5432");
            }
        }
        if (host.isEmpty()) {
            throw invalid(trimmed, "the host is missing");
        }
        if (portText.isEmpty() || portText.length() > 5 || !portText.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw invalid(trimmed, "the port must be a number from 0 to 65535");
        }
        int port = Integer.parseInt(portText);
        if (port > 65535) {
            throw invalid(trimmed, "the port must be a number from 0 to 65535");
        }
        String problem = hostProblem(host);
        if (problem != null) {
            throw invalid(trimmed, problem);
        }
        return new HostPort(host, port);
    }

    /** True for {@code localhost}, 127.0.0.0/8 and {@code ::1}; decided from the text alone, without DNS. */
    public boolean isLoopback() {
        return isLoopbackHost(host);
    }

    /** Whether a host (IPv6 with or without brackets) names the loopback interface; no DNS lookup. */
    public static boolean isLoopbackHost(String host) {
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (bare.equalsIgnoreCase("localhost")) {
            return true;
        }
        if (isIpv4(bare)) {
            return bare.startsWith("127.");
        }
        if (bare.indexOf(':') >= 0) {
            try {
                return Inet6Address.ofLiteral(bare).isLoopbackAddress();
            } catch (IllegalArgumentException e) {
                return false;
            }
        }
        return false;
    }

    /** {@code host:port}, with brackets around an IPv6 host. */
    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    private static String hostProblem(String host) {
        if (host.startsWith("[") || host.endsWith("]")) {
            return "the host must be given without brackets";
        }
        if (host.indexOf(':') >= 0) {
            try {
                Inet6Address.ofLiteral(host);
                return null;
            } catch (IllegalArgumentException e) {
                return "'" + shorten(host) + "' is not a valid IPv6 address";
            }
        }
        if (DIGITS_AND_DOTS.matcher(host).matches()) {
            return isIpv4(host) ? null : "'" + shorten(host) + "' is not a valid IPv4 address";
        }
        return HOST_NAME.matcher(host).matches() ? null : "'" + shorten(host) + "' is not a valid host name";
    }

    private static boolean isIpv4(String host) {
        String[] parts = host.split("\\.", -1);
        if (parts.length != 4) {
            return false;
        }
        for (String part : parts) {
            if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(c -> c >= '0' && c <= '9')
                    || Integer.parseInt(part) > 255) {
                return false;
            }
        }
        return true;
    }

    private static IllegalArgumentException invalid(String text, String reason) {
        return new IllegalArgumentException("invalid address '" + shorten(text) + "': " + reason
                + " (expected host:port, e.g. 127.0.0.1:5432)");
    }

    /** The text for a message, cut short so that a huge value cannot flood a log line. */
    static String shorten(String text) {
        return text.length() <= 80 ? text : text.substring(0, 77) + "...";
    }
}
