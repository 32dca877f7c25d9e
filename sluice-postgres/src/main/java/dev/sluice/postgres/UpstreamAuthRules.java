package dev.sluice.postgres;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSocket;

import dev.sluice.core.config.ConnectionConfig;
import dev.sluice.core.config.UpstreamTls;
import dev.sluice.postgres.PostgresUpstream.UpstreamException;
import dev.sluice.postgres.wire.Scram;

/**
 * What Sluice may reveal to an upstream server, decided from the connection's TLS settings and whether TLS is up:
 *
 * <ul>
 *   <li>the password (cleartext) or its md5 hash only over TLS, or in clear when {@code tls.mode} is explicitly
 *       {@code disable}; never under {@code channel-binding: require};</li>
 *   <li>SCRAM-SHA-256-PLUS (tls-server-end-point) whenever TLS is up, the server offers it and binding is not
 *       disabled; over TLS without it, {@code prefer} sends gs2 flag {@code y} so a server able to bind refuses,
 *       and {@code require} refuses;</li>
 *   <li>a server that says AuthenticationOk before proving it knows the password in a SCRAM exchange it started, or
 *       without any SCRAM-SHA-256-PLUS under {@code require}, is refused.</li>
 * </ul>
 *
 * Used on the session's startup thread only.
 */
final class UpstreamAuthRules {
    private static final Pattern SIGNATURE_HASH = Pattern.compile("^(SHA3-\\d+|SHA\\d+|MD5|MD2)with",
            Pattern.CASE_INSENSITIVE);

    private final ConnectionConfig connection;
    private final UpstreamTls tls;
    private final Optional<SSLSocket> secured;
    private boolean bound;

    UpstreamAuthRules(ConnectionConfig connection, Optional<SSLSocket> secured) {
        this.connection = connection;
        this.tls = PostgresUpstream.target(connection).tls();
        this.secured = secured;
    }

    /** Refuses unless {@code what} (the password or its md5 hash) may go to the server now. */
    void checkPasswordMayGo(String what) {
        if (tls.channelBinding() == UpstreamTls.ChannelBinding.REQUIRE) {
            // Fail closed: under channel-binding require only SCRAM-SHA-256-PLUS authenticates.
            throw new UpstreamException("the upstream server asked for " + what + " instead of SCRAM-SHA-256-PLUS, "
                    + "which connection \"" + connection.name() + "\" requires (tls.channel-binding: require)");
        }
        if (secured.isEmpty() && tls.mode() != UpstreamTls.Mode.DISABLE) {
            // Fail closed: the server declined TLS (mode prefer) and wants the password in clear; whoever answers
            // here may be an impostor collecting it.
            throw new UpstreamException("the upstream server declined TLS and asked for " + what
                    + "; Sluice sends a password in clear only when connection \"" + connection.name()
                    + "\" says tls.mode: disable");
        }
    }

    /** The channel binding for a SASL exchange among {@code mechanisms}; refuses when none fits. */
    Scram.Binding binding(List<String> mechanisms) {
        boolean plain = mechanisms.contains(Scram.MECHANISM);
        boolean plus = mechanisms.contains(Scram.MECHANISM_PLUS);
        UpstreamTls.ChannelBinding wanted = tls.channelBinding();
        if (secured.isPresent() && wanted != UpstreamTls.ChannelBinding.DISABLE) {
            if (plus) {
                Optional<byte[]> endPoint = endPointHash(secured.get());
                if (endPoint.isPresent()) {
                    bound = true;
                    return Scram.Binding.tlsServerEndPoint(endPoint.get());
                }
                requireNotRequired("its TLS certificate's signature algorithm has no tls-server-end-point hash");
                if (plain) {
                    return Scram.Binding.none();
                }
            }
            requireNotRequired("it offers no SCRAM-SHA-256-PLUS");
            if (plain) {
                return Scram.Binding.notOffered();
            }
        }
        if (!plain) {
            throw new UpstreamException("the upstream server offers no supported SASL mechanism");
        }
        return Scram.Binding.none();
    }

    /** Refuses an AuthenticationOk that comes before the server proved itself. */
    void checkOk(Optional<Scram> scram) {
        if (scram.isPresent() && !scram.get().done()) {
            // Fail closed: a server that skips the SCRAM server-final-message never proved it knows the password.
            throw new UpstreamException("the upstream server ended SCRAM without proving it knows the password");
        }
        if (tls.channelBinding() == UpstreamTls.ChannelBinding.REQUIRE && !bound) {
            throw new UpstreamException("the upstream server let Sluice in without SCRAM-SHA-256-PLUS, which "
                    + "connection \"" + connection.name() + "\" requires (tls.channel-binding: require)");
        }
    }

    private void requireNotRequired(String why) {
        if (tls.channelBinding() == UpstreamTls.ChannelBinding.REQUIRE) {
            // Fail closed: TLS is up, so a server that cannot bind is a downgrade (or a TLS-terminating middleman).
            throw new UpstreamException("the upstream server cannot do channel binding (" + why + "), which "
                    + "connection \"" + connection.name() + "\" requires (tls.channel-binding: require)");
        }
    }

    /**
     * RFC 5929 4.1: the hash of the server certificate (DER), with the hash function of its signature algorithm, or
     * SHA-256 when that is MD5 or SHA-1. Empty when the algorithm names no single hash (RSASSA-PSS, EdDSA).
     */
    static Optional<byte[]> endPointHash(SSLSocket socket) {
        try {
            Certificate[] chain = socket.getSession().getPeerCertificates();
            if (chain.length == 0 || !(chain[0] instanceof X509Certificate certificate)) {
                return Optional.empty();
            }
            Matcher m = SIGNATURE_HASH.matcher(certificate.getSigAlgName());
            if (!m.find()) {
                return Optional.empty();
            }
            String hash = m.group(1).toUpperCase(Locale.ROOT);
            String algorithm = switch (hash) {
                case "MD5", "MD2", "SHA1" -> "SHA-256";
                default -> hash.startsWith("SHA3-") ? hash : "SHA-" + hash.substring(3);
            };
            return Optional.of(MessageDigest.getInstance(algorithm).digest(certificate.getEncoded()));
        } catch (SSLPeerUnverifiedException | CertificateEncodingException | NoSuchAlgorithmException e) {
            return Optional.empty();
        }
    }
}
