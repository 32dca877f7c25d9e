package dev.sluice.core.identity;

import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

import com.nimbusds.jwt.JWTClaimsSet;

/**
 * Checks the time and audience claims of a token whose signature and issuer were already verified, and maps its
 * claims to a {@link Principal}.
 *
 * <p>Machine detection: a token is {@link Principal.Kind#MACHINE} when it was issued to a client for itself, with
 * no end user. Providers say so differently, so any one of these marks it: {@code sub} equals {@code client_id} or
 * {@code azp} (Keycloak, Okta, mock-oauth2-server client credentials); {@code grant_type} or {@code gty} is
 * {@code client_credentials} / {@code client-credentials} (Auth0); {@code idtyp} or {@code typ} is {@code app}
 * (Microsoft Entra ID). Everything else is {@link Principal.Kind#HUMAN}.
 */
final class TokenClaims {

    static final Duration CLOCK_SKEW = Duration.ofSeconds(60);
    private static final int MAX_ACTOR_DEPTH = 8;
    private static final Pattern GROUP_SEPARATORS = Pattern.compile("[\\s,]+");

    private TokenClaims() {
    }

    static Principal toPrincipal(JWTClaimsSet claims, IssuerSettings settings, Instant now) {
        checkTimes(claims, now);
        checkLifetime(claims, settings.maxTokenLifetime(), now);
        if (!audience(claims).contains(settings.audience())) {
            throw new InvalidTokenException("wrong audience");
        }
        String subject = string(claims, "sub").filter(s -> !s.isBlank())
                .orElseThrow(() -> new InvalidTokenException("token has no subject"));
        String displayName = string(claims, "preferred_username")
                .or(() -> string(claims, "client_id"))
                .or(() -> string(claims, "azp"))
                .orElse(subject);
        return new Principal(settings.issuer().toString(), subject, displayName,
                groups(claims, settings.groupsClaim()), kind(claims, subject), actors(claims));
    }

    private static void checkTimes(JWTClaimsSet claims, Instant now) {
        Date expiry;
        Date notBefore;
        try {
            expiry = claims.getExpirationTime();
            notBefore = claims.getNotBeforeTime();
        } catch (RuntimeException e) {
            throw new InvalidTokenException("malformed token");
        }
        if (expiry == null) {
            throw new InvalidTokenException("token has no expiry");
        }
        if (!now.isBefore(expiry.toInstant().plus(CLOCK_SKEW))) {
            throw new InvalidTokenException("token expired");
        }
        if (notBefore != null && now.plus(CLOCK_SKEW).isBefore(notBefore.toInstant())) {
            throw new InvalidTokenException("token not yet valid");
        }
    }

    /**
     * Refuses a token that lives longer than {@code max}, measured from its {@code iat}, else its {@code nbf}, else
     * now, to its {@code exp}: a token valid for years is a standing credential, not a session's proof of identity.
     * A start in the future counts as now, so a far-future {@code iat} cannot hide a far-future {@code exp}.
     */
    private static void checkLifetime(JWTClaimsSet claims, Duration max, Instant now) {
        Instant start;
        try {
            start = Optional.ofNullable(claims.getIssueTime()).or(() -> Optional.ofNullable(claims.getNotBeforeTime()))
                    .map(Date::toInstant).filter(now::isAfter).orElse(now);
        } catch (RuntimeException e) {
            throw new InvalidTokenException("malformed token");
        }
        Instant expiry = claims.getExpirationTime().toInstant();
        if (Duration.between(start, expiry).compareTo(max) > 0) {
            throw new InvalidTokenException("token lifetime " + human(Duration.between(start, expiry))
                    + " exceeds this issuer's max-token-lifetime of " + human(max));
        }
    }

    private static String human(Duration d) {
        long days = d.toDays();
        return days >= 2 ? days + "d" : d.toHours() >= 2 ? d.toHours() + "h" : d.toMinutes() >= 2 ? d.toMinutes() + "m"
                : d.toSeconds() + "s";
    }

    private static List<String> audience(JWTClaimsSet claims) {
        Object aud = claims.getClaim("aud");
        return switch (aud) {
            case String single -> List.of(single);
            case List<?> many -> many.stream().filter(String.class::isInstance).map(String.class::cast).toList();
            case null, default -> List.of();
        };
    }

    private static Set<String> groups(JWTClaimsSet claims, String path) {
        if (path.isBlank()) {
            return Set.of();
        }
        Object node = claims.getClaims();
        for (String step : path.split("\\.")) {
            node = node instanceof Map<?, ?> map ? map.get(step) : null;
        }
        Set<String> result = new LinkedHashSet<>();
        switch (node) {
            case List<?> list -> list.stream().filter(String.class::isInstance).map(String.class::cast)
                    .map(String::strip).filter(s -> !s.isEmpty()).forEach(result::add);
            case String text -> GROUP_SEPARATORS.splitAsStream(text.strip()).filter(s -> !s.isEmpty())
                    .forEach(result::add);
            case null, default -> {
            }
        }
        return result;
    }

    private static Principal.Kind kind(JWTClaimsSet claims, String subject) {
        boolean ownClient = string(claims, "client_id").filter(subject::equals).isPresent()
                || string(claims, "azp").filter(subject::equals).isPresent();
        boolean clientGrant = string(claims, "grant_type").or(() -> string(claims, "gty"))
                .filter(g -> g.equals("client_credentials") || g.equals("client-credentials")).isPresent();
        boolean appType = string(claims, "idtyp").or(() -> string(claims, "typ")).filter("app"::equals).isPresent();
        return ownClient || clientGrant || appType ? Principal.Kind.MACHINE : Principal.Kind.HUMAN;
    }

    private static List<Principal.Actor> actors(JWTClaimsSet claims) {
        List<Principal.Actor> result = new ArrayList<>();
        Object act = claims.getClaim("act");
        while (act != null) {
            if (!(act instanceof Map<?, ?> map) || !(map.get("sub") instanceof String sub) || sub.isBlank()) {
                throw new InvalidTokenException("malformed act claim");
            }
            if (result.size() == MAX_ACTOR_DEPTH) {
                throw new InvalidTokenException("delegation chain too long");
            }
            String clientId = map.get("client_id") instanceof String id ? id : "";
            result.add(new Principal.Actor(sub, clientId));
            act = map.get("act");
        }
        return result;
    }

    private static Optional<String> string(JWTClaimsSet claims, String name) {
        try {
            return Optional.ofNullable(claims.getStringClaim(name));
        } catch (ParseException e) {
            return Optional.empty(); // present but not a string: treat as absent
        }
    }
}
