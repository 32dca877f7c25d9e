package dev.sluice.core.identity;

import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

import dev.sluice.core.SluiceException;

/**
 * A local token issuer for {@code sluice token} and the demo, so Sluice runs without an identity provider.
 *
 * <p>Tokens are ES256 JWTs with issuer {@code urn:sluice:dev} and audience {@code sluice}, groups in the
 * {@code groups} claim. The private key lives in {@code <dataDir>/keys/dev-issuer.jwk} (mode 600), created on first
 * use. Its {@link #verifier()} trusts only this key and this issuer, and an {@link OidcTokenVerifier} never trusts
 * it, because {@code urn:} issuers cannot be configured there.
 *
 * <p>Thread-safe.
 */
public final class DevIssuer {

    static final String ISSUER_ID = "urn:sluice:dev";
    public static final URI ISSUER = URI.create(ISSUER_ID);
    public static final String AUDIENCE = "sluice";
    public static final String GROUPS_CLAIM = "groups";
    /** The longest lifetime a dev token may be given. */
    public static final Duration MAX_TTL = Duration.ofDays(30);

    private final ECKey key;
    private final Clock clock;
    private final TokenVerifier verifier;

    private DevIssuer(ECKey key, Clock clock) {
        this.key = key;
        this.clock = clock;
        IssuerSettings settings = new IssuerSettings(ISSUER, AUDIENCE, GROUPS_CLAIM, MAX_TTL);
        this.verifier = new JwtVerifier(settings, KeySource.fixed(new JWKSet(key.toPublicJWK())), clock);
    }

    /**
     * Opens the issuer whose key is kept under {@code dataDir}, creating the key on first use.
     *
     * @throws SluiceException when the key file cannot be read or created, is not a P-256 private key, or is
     *                         readable by other users
     */
    public static DevIssuer open(Path dataDir, Clock clock) {
        Objects.requireNonNull(clock, "clock");
        return new DevIssuer(DevKeyFile.loadOrCreate(dataDir.resolve("keys").resolve("dev-issuer.jwk")), clock);
    }

    /** A token for a person. */
    public String mint(String subject, Set<String> groups, Duration ttl) {
        return sign(claims(subject, groups, ttl).claim("preferred_username", subject).build());
    }

    /** A client-credentials style token for a machine: {@code sub} and {@code client_id} are both the client. */
    public String mintMachine(String clientId, Set<String> groups, Duration ttl) {
        return sign(claims(clientId, groups, ttl).claim("client_id", clientId)
                .claim("grant_type", "client_credentials").build());
    }

    /** A token for {@code subject} presented by the agent {@code actorSubject} (RFC 8693 {@code act} claim). */
    public String mintDelegated(String subject, Set<String> groups, String actorSubject, Duration ttl) {
        requireText(actorSubject, "actorSubject");
        return sign(claims(subject, groups, ttl).claim("preferred_username", subject)
                .claim("act", Map.of("sub", actorSubject)).build());
    }

    /** Verifies tokens minted by this issuer (this key, this issuer, this audience) and nothing else. */
    public TokenVerifier verifier() {
        return verifier;
    }

    private JWTClaimsSet.Builder claims(String subject, Set<String> groups, Duration ttl) {
        requireText(subject, "subject");
        if (ttl.isNegative() || ttl.isZero() || ttl.compareTo(MAX_TTL) > 0) {
            throw new IllegalArgumentException("ttl must be positive and at most " + MAX_TTL + ": " + ttl);
        }
        Instant now = clock.instant();
        return new JWTClaimsSet.Builder()
                .issuer(ISSUER_ID)
                .audience(AUDIENCE)
                .subject(subject)
                .issueTime(Date.from(now))
                .notBeforeTime(Date.from(now))
                .expirationTime(Date.from(now.plus(ttl)))
                .jwtID(UUID.randomUUID().toString())
                .claim(GROUPS_CLAIM, List.copyOf(groups).stream().sorted().toList());
    }

    private String sign(JWTClaimsSet claims) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(key.getKeyID()).build(),
                    claims);
            jwt.sign(new ECDSASigner(key));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new SluiceException("cannot sign a dev token", e);
        }
    }

    private static void requireText(String value, String name) {
        if (value.isBlank()) {
            throw new IllegalArgumentException(name + " must not be blank");
        }
    }
}
