package dev.sluice.core.identity;

import java.net.URI;
import java.net.URISyntaxException;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The signing keys of one OIDC issuer, found through its discovery document and cached.
 *
 * <p>Discovery runs on first use. The key set is fetched again when a token names a key that is not cached (key
 * rotation) and when the cached set is older than {@link #MAX_KEY_AGE}, so removed keys stop being trusted. Fetches
 * are rate-limited per issuer: at most one per {@link #MIN_REFETCH_INTERVAL} after a success, one per
 * {@link #RETRY_AFTER_FAILURE} after a failure, so tokens with made-up key ids cannot hammer the provider.
 *
 * <p>Fail closed: when no usable key set can be had, verification is refused with "identity provider unavailable",
 * never accepted. Many virtual threads call {@link #candidates}; reads use an immutable snapshot, and fetches are
 * serialized by a {@link ReentrantLock} (blocking I/O under the lock is intended: waiting threads want its result).
 */
final class RemoteKeys implements KeySource {

    static final Duration MIN_REFETCH_INTERVAL = Duration.ofSeconds(30);
    static final Duration RETRY_AFTER_FAILURE = Duration.ofSeconds(5);
    static final Duration MAX_KEY_AGE = Duration.ofMinutes(15);

    private static final Logger LOG = LoggerFactory.getLogger(RemoteKeys.class);

    private final URI issuer;
    private final HttpJson http;
    private final Clock clock;
    private final ReentrantLock fetchLock = new ReentrantLock();
    private volatile Snapshot current;
    // guarded by fetchLock
    private URI jwksUri;
    private Instant nextFetchAllowed = Instant.MIN;
    private String lastFailure = "signing keys not fetched yet";

    RemoteKeys(URI issuer, HttpJson http, Clock clock) {
        this.issuer = issuer;
        this.http = http;
        this.clock = clock;
    }

    @Override
    public List<JWK> candidates(Optional<String> kid, JWSAlgorithm alg) {
        Snapshot seen = current;
        if (seen == null || seen.olderThan(clock.instant(), MAX_KEY_AGE)) {
            seen = refresh(seen, true);
        }
        List<JWK> result = KeySource.select(seen.keys(), kid, alg);
        if (result.isEmpty()) {
            Snapshot fresh = refresh(seen, false);
            if (fresh != seen) {
                result = KeySource.select(fresh.keys(), kid, alg);
            }
        }
        return result;
    }

    /**
     * Fetches a new key set unless another thread already did or the rate limit forbids it.
     *
     * @param required whether {@code seen} is unusable, so that not getting a new set must fail
     */
    private Snapshot refresh(Snapshot seen, boolean required) {
        fetchLock.lock();
        try {
            Snapshot latest = current;
            if (latest != null && latest != seen) {
                return latest;
            }
            Instant now = clock.instant();
            if (now.isBefore(nextFetchAllowed)) {
                if (required) {
                    throw unavailable(lastFailure);
                }
                return seen;
            }
            try {
                Snapshot result = new Snapshot(fetchKeys(), now);
                current = result;
                nextFetchAllowed = now.plus(MIN_REFETCH_INTERVAL);
                return result;
            } catch (HttpJson.FetchException e) {
                LOG.warn("Signing keys of issuer {} unavailable: {}", issuer, e.getMessage());
                jwksUri = null; // discover again next time: the provider may have moved its keys
                lastFailure = e.getMessage();
                nextFetchAllowed = now.plus(RETRY_AFTER_FAILURE);
                if (required) {
                    throw unavailable(lastFailure);
                }
                return seen;
            }
        } finally {
            fetchLock.unlock();
        }
    }

    private JWKSet fetchKeys() {
        if (jwksUri == null) {
            jwksUri = discover();
        }
        try {
            return JWKSet.parse(http.get(jwksUri, "JWKS"));
        } catch (ParseException e) {
            throw new HttpJson.FetchException("JWKS is not a valid key set");
        }
    }

    private URI discover() {
        String base = issuer.toString().endsWith("/")
                ? issuer.toString().substring(0, issuer.toString().length() - 1) : issuer.toString();
        Map<String, Object> document = http.get(URI.create(base + "/.well-known/openid-configuration"), "discovery");
        if (!issuer.toString().equals(document.get("issuer"))) {
            throw new HttpJson.FetchException("discovery document names a different issuer");
        }
        if (!(document.get("jwks_uri") instanceof String location)) {
            throw new HttpJson.FetchException("discovery document has no jwks_uri");
        }
        URI result;
        try {
            result = new URI(location);
        } catch (URISyntaxException e) {
            throw new HttpJson.FetchException("discovery document has an invalid jwks_uri");
        }
        if (!Transport.allowed(result)) {
            throw new HttpJson.FetchException("jwks_uri must use https (plain http only on loopback)");
        }
        return result;
    }

    private static InvalidTokenException unavailable(String reason) {
        return new InvalidTokenException("identity provider unavailable: " + reason);
    }

    private record Snapshot(JWKSet keys, Instant fetchedAt) {
        boolean olderThan(Instant now, Duration age) {
            return fetchedAt.plus(age).isBefore(now);
        }
    }
}
