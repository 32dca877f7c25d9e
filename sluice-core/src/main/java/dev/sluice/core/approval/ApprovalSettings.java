package dev.sluice.core.approval;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import dev.sluice.core.config.ConfigNode;
import dev.sluice.core.config.ConfigProblems;
import dev.sluice.core.config.SecretResolver;
import dev.sluice.core.config.SluiceConfig;

/**
 * The {@code approvals} section of the config, and the {@code require-grant} key of each connection. See
 * docs/approvals.md for the keys and their defaults.
 *
 * @param publicUrl           the base URL people reach Sluice's http listener at (default: the listener address)
 * @param notifyTargets       where new requests are announced
 * @param accessApprovers     who decides access requests ({@code access.approvers}): groups, or
 *                            {@code subject:ISSUER#SUBJECT} ({@link dev.sluice.core.identity.Approver})
 * @param accessApprovals     distinct approvals an access request needs ({@code access.approvals-required}, 1)
 * @param maxAccess           the longest access a request may ask for ({@code access.max-duration}, 8h)
 * @param accessExpires       how long an access request waits for a decision ({@code access.expires}, 1h)
 * @param endSessionsOnExpiry end open sessions when the grant they rely on expires (default true)
 * @param pollInterval        how often a held statement re-reads the store (default 250ms)
 * @param grantRequired       connections with {@code require-grant: true}
 */
public record ApprovalSettings(Optional<URI> publicUrl, List<NotifyTarget> notifyTargets, Set<String> accessApprovers,
                               int accessApprovals, Duration maxAccess, Duration accessExpires,
                               boolean endSessionsOnExpiry, Duration pollInterval, Set<String> grantRequired) {
    static final Set<String> KEYS = Set.of("public-url", "notify", "access", "end-sessions-on-expiry",
            "poll-interval");

    public ApprovalSettings {
        notifyTargets = List.copyOf(notifyTargets);
        accessApprovers = Set.copyOf(accessApprovers);
        grantRequired = Set.copyOf(grantRequired);
    }

    public static ApprovalSettings defaults() {
        return new ApprovalSettings(Optional.empty(), List.of(), Set.of(), 1, Duration.ofHours(8),
                Duration.ofHours(1), true, Duration.ofMillis(250), Set.of());
    }

    /**
     * Binds the section of {@code config}, resolving {@code ${env:...}} against {@code env}; records every problem.
     */
    public static ApprovalSettings bind(SluiceConfig config, Map<String, String> env, ConfigProblems problems) {
        ConfigNode node = problems.map(config.raw(), "approvals");
        problems.rejectUnknownKeys(node, KEYS);
        Optional<URI> publicUrl = problems.optionalString(node, "public-url").flatMap(u -> url(node.at(
                "public-url"), u, problems));
        List<NotifyTarget> notify = new ArrayList<>();
        SecretResolver secrets = new SecretResolver(env);
        for (ConfigNode item : problems.list(node, "notify").items()) {
            target(item, secrets, problems).ifPresent(notify::add);
        }
        ConfigNode access = problems.map(node, "access");
        problems.rejectUnknownKeys(access, Set.of("approvers", "approvals-required", "max-duration", "expires"));
        Set<String> approvers = new LinkedHashSet<>(problems.stringList(access, "approvers"));
        for (String approver : approvers) {
            try {
                dev.sluice.core.identity.Approver.parse(approver); // groups and subjects are told apart
            } catch (IllegalArgumentException invalid) {
                problems.add(access.at("approvers"), invalid.getMessage());
            }
        }
        int required = problems.integer(access, "approvals-required", 1, 1, 100);
        Duration max = problems.duration(access, "max-duration", Duration.ofHours(8));
        Duration expires = problems.duration(access, "expires", Duration.ofHours(1));
        boolean endSessions = problems.bool(node, "end-sessions-on-expiry", true);
        Duration poll = problems.duration(node, "poll-interval", Duration.ofMillis(250));
        if (poll.isZero() || poll.compareTo(Duration.ofSeconds(5)) > 0) {
            problems.add(node.at("poll-interval"), "expected a poll interval from 1ms to 5s");
        }
        Set<String> grantRequired = new LinkedHashSet<>();
        for (ConfigNode connection : config.raw().at("connections").items()) {
            if (connection.isMap() && problems.bool(connection, "require-grant", false)) {
                grantRequired.add(connection.at("name").text());
            }
        }
        return new ApprovalSettings(publicUrl, notify, approvers, required, max, expires, endSessions, poll,
                grantRequired);
    }

    private static Optional<NotifyTarget> target(ConfigNode item, SecretResolver secrets, ConfigProblems problems) {
        if (!item.isMap()) {
            problems.add(item, "expected a map describing a notification target, got " + item.describe());
            return Optional.empty();
        }
        problems.rejectUnknownKeys(item, Set.of("type", "url", "secret", "retries"));
        int before = problems.count();
        String type = problems.oneOf(item, "type", NotifyTarget.WEBHOOK, List.of(NotifyTarget.WEBHOOK,
                NotifyTarget.SLACK));
        Optional<URI> url = url(item.at("url"), problems.requiredString(item, "url"), problems);
        var secret = secrets.resolve(item.at("secret"), problems);
        int retries = problems.integer(item, "retries", 4, 0, 10);
        if (url.isEmpty() || problems.count() != before) {
            return Optional.empty();
        }
        return Optional.of(new NotifyTarget(type, url.get(), secret, retries));
    }

    private static Optional<URI> url(ConfigNode node, String text, ConfigProblems problems) {
        if (text.isEmpty()) {
            return Optional.empty();
        }
        try {
            URI result = new URI(text);
            if (!"http".equals(result.getScheme()) && !"https".equals(result.getScheme())
                    || result.getHost() == null) {
                problems.add(node, "expected an http:// or https:// URL");
                return Optional.empty();
            }
            return Optional.of(result);
        } catch (URISyntaxException e) {
            problems.add(node, "invalid URL: " + e.getReason());
            return Optional.empty();
        }
    }

    /** Whether {@code connection} has {@code require-grant: true}. */
    public boolean requiresGrant(String connection) {
        return grantRequired.contains(connection);
    }
}
