package dev.sluice.core.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

import dev.sluice.core.Secret;

/**
 * The web console for people: how people sign in ({@code identity.people}) and where browsers reach Sluice
 * ({@code console}). Bound from a loaded {@link SluiceConfig}; {@link ConfigLoader} binds it once more while loading,
 * so every problem is reported with the file's other problems.
 *
 * <pre>
 * identity:
 *   people:
 *     oidc:
 *       issuer: https://idp.example.com/realms/people   # discovery: ISSUER/.well-known/openid-configuration
 *       client-id: sluice-console
 *       client-secret: ${env:CONSOLE_CLIENT_SECRET}
 *       groups-claim: groups                           # default groups
 *       scopes: openid profile email                   # default
 *     saml:
 *       idp-metadata: /etc/sluice/idp-metadata.xml       # or idp-metadata-url: https://...
 *       entity-id: https://sluice.example/saml
 *       groups-attribute: groups                        # default groups
 * console:
 *   public-url: https://sluice.example:8443             # redirect URIs derive from it; default: the http listener
 *   session-lifetime: 8h                                # a browser session's hard limit (5m..7d, default 8h)
 *   idle-timeout: 1h                                    # ends a session unused this long (1m..1d, default 1h)
 * </pre>
 *
 * @param publicUrl       the address browsers use (no path, query or fragment)
 * @param sessionLifetime a browser session ends this long after sign-in
 * @param idleTimeout     a browser session ends when unused this long
 * @param oidc            OIDC sign-in (authorization code + PKCE), if configured
 * @param saml            SAML 2.0 sign-in (SP-initiated), if configured
 */
public record ConsoleSettings(Optional<URI> publicUrl, Duration sessionLifetime, Duration idleTimeout,
                              Optional<PeopleOidc> oidc, Optional<PeopleSaml> saml) {
    static final Set<String> CONSOLE_KEYS = Set.of("public-url", "session-lifetime", "idle-timeout");
    static final Set<String> PEOPLE_KEYS = Set.of("oidc", "saml");
    public static final Duration DEFAULT_LIFETIME = Duration.ofHours(8);
    public static final Duration DEFAULT_IDLE = Duration.ofHours(1);

    public ConsoleSettings {
        Objects.requireNonNull(publicUrl, "publicUrl");
        Objects.requireNonNull(sessionLifetime, "sessionLifetime");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(oidc, "oidc");
        Objects.requireNonNull(saml, "saml");
    }

    /** Whether any sign-in for people is configured (without one the console shows only how to configure it). */
    public boolean signInConfigured() {
        return oidc.isPresent() || saml.isPresent();
    }

    /**
     * OIDC sign-in for people.
     *
     * @param issuer       the issuer (https, or http on a loopback host), the base of discovery
     * @param clientId     the console's client id at the issuer
     * @param clientSecret its secret (may be empty for a public client: PKCE still binds the code)
     * @param groupsClaim  the ID token or userinfo claim holding the person's groups
     * @param scopes       the scopes asked for; always includes {@code openid}
     */
    public record PeopleOidc(URI issuer, String clientId, Secret clientSecret, String groupsClaim, String scopes) {
        public PeopleOidc {
            Objects.requireNonNull(issuer, "issuer");
            Objects.requireNonNull(clientId, "clientId");
            Objects.requireNonNull(clientSecret, "clientSecret");
            Objects.requireNonNull(groupsClaim, "groupsClaim");
            Objects.requireNonNull(scopes, "scopes");
        }
    }

    /**
     * SAML 2.0 sign-in for people, Sluice as the service provider.
     *
     * @param idpMetadata     the identity provider's metadata file, or
     * @param idpMetadataUrl  where to fetch it (https, or http on a loopback host)
     * @param entityId        Sluice's entity id as the IdP knows it (the audience of assertions)
     * @param groupsAttribute the attribute holding the person's groups
     */
    public record PeopleSaml(Optional<Path> idpMetadata, Optional<URI> idpMetadataUrl, String entityId,
                             String groupsAttribute) {
        public PeopleSaml {
            Objects.requireNonNull(idpMetadata, "idpMetadata");
            Objects.requireNonNull(idpMetadataUrl, "idpMetadataUrl");
            Objects.requireNonNull(entityId, "entityId");
            Objects.requireNonNull(groupsAttribute, "groupsAttribute");
        }
    }

    public static ConsoleSettings defaults() {
        return new ConsoleSettings(Optional.empty(), DEFAULT_LIFETIME, DEFAULT_IDLE, Optional.empty(),
                Optional.empty());
    }

    /** Binds {@code identity.people} and {@code console} of {@code config}; problems go to {@code problems}. */
    public static ConsoleSettings bind(SluiceConfig config, Map<String, String> env, ConfigProblems problems) {
        return bind(config.raw(), env, problems);
    }

    static ConsoleSettings bind(ConfigNode root, Map<String, String> env, ConfigProblems problems) {
        ConfigNode console = problems.map(root, "console");
        problems.rejectUnknownKeys(console, CONSOLE_KEYS);
        Optional<URI> publicUrl = problems.optionalString(console, "public-url")
                .flatMap(text -> publicUrl(console.at("public-url"), text, problems));
        Duration lifetime = bounded(console, "session-lifetime", DEFAULT_LIFETIME, Duration.ofMinutes(5),
                Duration.ofDays(7), problems);
        Duration idle = bounded(console, "idle-timeout", DEFAULT_IDLE, Duration.ofMinutes(1), Duration.ofDays(1),
                problems);
        ConfigNode people = problems.map(problems.map(root, "identity"), "people");
        problems.rejectUnknownKeys(people, PEOPLE_KEYS);
        Optional<PeopleOidc> oidc = oidc(problems.map(people, "oidc"), new SecretResolver(env), problems);
        Optional<PeopleSaml> saml = saml(problems.map(people, "saml"), problems);
        return new ConsoleSettings(publicUrl, lifetime, idle, oidc, saml);
    }

    private static Optional<PeopleOidc> oidc(ConfigNode node, SecretResolver secrets, ConfigProblems problems) {
        if (node.isAbsent() || node.isMissing()) {
            return Optional.empty();
        }
        problems.rejectUnknownKeys(node, Set.of("issuer", "client-id", "client-secret", "groups-claim", "scopes"));
        int before = problems.count();
        String issuerText = problems.requiredString(node, "issuer");
        Optional<URI> issuer = issuerText.isBlank() ? Optional.empty()
                : url(node.at("issuer"), issuerText, "issuer", problems);
        String clientId = problems.requiredString(node, "client-id");
        Secret secret = secrets.resolve(node.at("client-secret"), problems);
        String groups = problems.string(node, "groups-claim", "groups").strip();
        if (groups.isEmpty()) {
            problems.add(node.at("groups-claim"), "a value is required");
        }
        String scopes = problems.string(node, "scopes", "openid profile email").strip();
        if (!(" " + scopes + " ").contains(" openid ")) {
            problems.add(node.at("scopes"), "the scopes must include openid");
        }
        if (issuer.isEmpty() || problems.count() != before) {
            return Optional.empty();
        }
        return Optional.of(new PeopleOidc(issuer.get(), clientId, secret, groups, scopes));
    }

    private static Optional<PeopleSaml> saml(ConfigNode node, ConfigProblems problems) {
        if (node.isAbsent() || node.isMissing()) {
            return Optional.empty();
        }
        problems.rejectUnknownKeys(node, Set.of("idp-metadata", "idp-metadata-url", "entity-id",
                "groups-attribute"));
        int before = problems.count();
        Optional<Path> file = problems.path(node, "idp-metadata");
        Optional<URI> url = problems.optionalString(node, "idp-metadata-url")
                .flatMap(text -> url(node.at("idp-metadata-url"), text, "metadata URL", problems));
        if (file.isPresent() == url.isPresent() && problems.count() == before) {
            problems.add(node, "exactly one of idp-metadata (a file) and idp-metadata-url is required");
        }
        file.filter(f -> !java.nio.file.Files.isReadable(f))
                .ifPresent(f -> problems.add(node.at("idp-metadata"), "cannot read the file " + f));
        String entityId = problems.requiredString(node, "entity-id");
        String groups = problems.string(node, "groups-attribute", "groups").strip();
        if (groups.isEmpty()) {
            problems.add(node.at("groups-attribute"), "a value is required");
        }
        if (problems.count() != before) {
            return Optional.empty();
        }
        return Optional.of(new PeopleSaml(file, url, entityId, groups));
    }

    private static Duration bounded(ConfigNode node, String key, Duration fallback, Duration min, Duration max,
                                    ConfigProblems problems) {
        Duration value = problems.duration(node, key, fallback);
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            problems.add(node.at(key), "expected a duration from " + text(min) + " to " + text(max));
            return fallback;
        }
        return value;
    }

    private static String text(Duration d) {
        return d.toDays() > 0 && d.toHours() % 24 == 0 ? d.toDays() + "d"
                : d.toHours() > 0 ? d.toHours() + "h" : d.toMinutes() + "m";
    }

    private static Optional<URI> publicUrl(ConfigNode node, String text, ConfigProblems problems) {
        Optional<URI> result = url(node, text, "public URL", problems);
        if (result.isPresent() && (result.get().getRawQuery() != null || result.get().getRawFragment() != null
                || !(result.get().getRawPath() == null || result.get().getRawPath().isEmpty()
                || result.get().getRawPath().equals("/")))) {
            problems.add(node, "the public URL is scheme, host and port only, e.g. https://sluice.example:8443");
            return Optional.empty();
        }
        return result.map(u -> URI.create(u.getScheme() + "://" + u.getRawAuthority()));
    }

    /** An absolute https URL, or http on a loopback host. */
    private static Optional<URI> url(ConfigNode node, String text, String what, ConfigProblems problems) {
        URI uri;
        try {
            uri = new URI(text.strip());
        } catch (URISyntaxException e) {
            problems.add(node, "invalid " + what + ": " + e.getReason());
            return Optional.empty();
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http") || uri.getHost() == null) {
            problems.add(node, "the " + what + " must be an absolute https URL");
            return Optional.empty();
        }
        if (scheme.equals("http") && !HostPort.isLoopbackHost(uri.getHost())) {
            problems.add(node, "the " + what + " must use https (http only for a loopback host such as "
                    + "127.0.0.1, got host " + uri.getHost() + ")");
            return Optional.empty();
        }
        return Optional.of(uri);
    }
}
