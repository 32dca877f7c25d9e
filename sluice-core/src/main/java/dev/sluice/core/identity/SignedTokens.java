package dev.sluice.core.identity;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.text.ParseException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;

/**
 * Parsing and signature checks shared by every verifier. Only asymmetric algorithms are accepted: RS256, PS256,
 * ES256 and EdDSA (Ed25519). {@code none} and every HMAC algorithm are refused before any key is touched, which
 * also defeats the "HS256 keyed with the issuer's public key" confusion attack.
 */
final class SignedTokens {

    /** Tokens longer than this are refused unparsed; real access tokens are a few kilobytes. */
    static final int MAX_TOKEN_CHARS = 16 * 1024;

    static final Set<JWSAlgorithm> ACCEPTED = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.PS256, JWSAlgorithm.ES256,
            JWSAlgorithm.EdDSA);

    private static final int MIN_RSA_BITS = 2048;
    private static final byte[] ED25519_SPKI_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");

    private SignedTokens() {
    }

    /** Parses a compact JWS and checks its algorithm; nothing about it is trusted yet. */
    static SignedJWT parse(String token) {
        JWT jwt = parseAny(token);
        if (jwt instanceof PlainJWT) {
            throw new InvalidTokenException("unsupported algorithm none");
        }
        if (!(jwt instanceof SignedJWT result)) {
            throw new InvalidTokenException("unsupported token type (encrypted)");
        }
        JWSAlgorithm alg = result.getHeader().getAlgorithm();
        if (!ACCEPTED.contains(alg)) {
            throw new InvalidTokenException("unsupported algorithm " + printable(alg.getName()));
        }
        if (result.getHeader().getCriticalParams() != null && !result.getHeader().getCriticalParams().isEmpty()) {
            throw new InvalidTokenException("unsupported critical header");
        }
        return result;
    }

    /** Parses any JWT, including unsigned ones, without checking anything. */
    static JWT parseAny(String token) {
        if (token.length() > MAX_TOKEN_CHARS) {
            throw new InvalidTokenException("malformed token");
        }
        try {
            return JWTParser.parse(token.strip());
        } catch (ParseException | RuntimeException e) {
            throw new InvalidTokenException("malformed token");
        }
    }

    static JWTClaimsSet claims(JWT jwt) {
        try {
            return jwt.getJWTClaimsSet();
        } catch (ParseException | RuntimeException e) {
            throw new InvalidTokenException("malformed token");
        }
    }

    /** The unverified {@code iss}, for routing only. */
    static Optional<String> unverifiedIssuer(String token) {
        try {
            return Optional.ofNullable(claims(parseAny(token)).getIssuer());
        } catch (RuntimeException e) {
            throw new InvalidTokenException("malformed token");
        }
    }

    /** Whether {@code key} may sign with the token's algorithm (type, curve, use and declared alg all fit). */
    static boolean fits(JWK key, JWSAlgorithm alg) {
        if (key.getKeyUse() != null && !KeyUse.SIGNATURE.equals(key.getKeyUse())) {
            return false;
        }
        if (key.getAlgorithm() != null && !key.getAlgorithm().getName().equals(alg.getName())) {
            return false;
        }
        return switch (key) {
            case RSAKey rsa -> (alg.equals(JWSAlgorithm.RS256) || alg.equals(JWSAlgorithm.PS256))
                    && rsa.size() >= MIN_RSA_BITS;
            case ECKey ec -> alg.equals(JWSAlgorithm.ES256) && Curve.P_256.equals(ec.getCurve());
            case OctetKeyPair okp -> alg.equals(JWSAlgorithm.EdDSA) && Curve.Ed25519.equals(okp.getCurve());
            default -> false;
        };
    }

    /** Whether the signature verifies with {@code key}; never throws for a bad signature or unusable key. */
    static boolean signedBy(SignedJWT jwt, JWK key) {
        JWSAlgorithm alg = jwt.getHeader().getAlgorithm();
        if (!fits(key, alg)) {
            return false;
        }
        try {
            return switch (key) {
                case RSAKey rsa -> jwt.verify(new RSASSAVerifier(rsa));
                case ECKey ec -> jwt.verify(new ECDSAVerifier(ec));
                case OctetKeyPair okp -> ed25519(jwt, okp);
                default -> false;
            };
        } catch (JOSEException | GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    /** EdDSA through the JDK's own Ed25519, so no extra crypto library is needed. */
    private static boolean ed25519(SignedJWT jwt, OctetKeyPair key) throws GeneralSecurityException {
        byte[] x = key.getDecodedX();
        if (x.length != 32) {
            return false;
        }
        byte[] spki = new byte[ED25519_SPKI_PREFIX.length + x.length];
        System.arraycopy(ED25519_SPKI_PREFIX, 0, spki, 0, ED25519_SPKI_PREFIX.length);
        System.arraycopy(x, 0, spki, ED25519_SPKI_PREFIX.length, x.length);
        Signature verifier = Signature.getInstance("Ed25519");
        verifier.initVerify(KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki)));
        verifier.update(jwt.getSigningInput());
        return verifier.verify(jwt.getSignature().decode());
    }

    private static String printable(String algorithm) {
        boolean safe = algorithm.length() <= 16 && algorithm.chars().allMatch(c -> c < 128
                && (Character.isLetterOrDigit(c) || c == '-' || c == '_' || c == '+'));
        return safe ? algorithm : "(unrecognised)";
    }
}
