package dev.sluice.core.identity;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Date;
import java.util.UUID;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

/** Tokens signed by keys the tests hold, for attacks and for key sets the tests control. */
final class TestTokens {

    private TestTokens() {
    }

    static RSAKey rsaKey(String kid) throws Exception {
        return new RSAKeyGenerator(2048).keyID(kid).generate();
    }

    static JWTClaimsSet.Builder claims(String issuer, String audience, String subject, Instant now) {
        return new JWTClaimsSet.Builder().issuer(issuer).audience(audience).subject(subject)
                .issueTime(Date.from(now)).expirationTime(Date.from(now.plus(Duration.ofHours(1))))
                .jwtID(UUID.randomUUID().toString());
    }

    static String sign(JWK key, JWSAlgorithm alg, JWTClaimsSet claims) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(alg).keyID(key.getKeyID()).build(), claims);
        switch (key) {
            case RSAKey rsa -> jwt.sign(new RSASSASigner(rsa));
            case ECKey ec -> jwt.sign(new ECDSASigner(ec));
            default -> throw new IllegalArgumentException("use Ed25519Key for EdDSA");
        }
        return jwt.serialize();
    }

    /** An Ed25519 key pair from the JDK, published as an OKP JWK. */
    record Ed25519Key(KeyPair pair, OctetKeyPair jwk) {

        static Ed25519Key generate(String kid) throws Exception {
            KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            byte[] spki = pair.getPublic().getEncoded();
            byte[] x = Arrays.copyOfRange(spki, spki.length - 32, spki.length);
            return new Ed25519Key(pair, new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(x)).keyID(kid)
                    .build());
        }

        String sign(JWTClaimsSet claims) throws Exception {
            JWSHeader header = new JWSHeader.Builder(JWSAlgorithm.EdDSA).keyID(jwk.getKeyID()).build();
            Base64URL headerPart = header.toBase64URL();
            Base64URL payloadPart = Base64URL.encode(claims.toString());
            Signature signer = Signature.getInstance("Ed25519");
            signer.initSign(pair.getPrivate());
            signer.update((headerPart + "." + payloadPart).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            return headerPart + "." + payloadPart + "." + Base64URL.encode(signer.sign());
        }
    }
}
