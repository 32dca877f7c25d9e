package dev.sluice.relay;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Instant;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.TrustManagerFactory;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptor;
import io.grpc.TlsServerCredentials;
import io.grpc.stub.StreamObserver;

/**
 * Who is calling the gateway's relay listener: its TLS (the gateway's certificate, the relay CA as the only trust,
 * client certificates optional because {@code Enroll} has none yet) and the caller's verified relay identity,
 * certificate expiry and address, put into each call's {@link Context} by {@link Authenticate}. Stateless.
 */
final class RelayCallContext {
    static final Context.Key<RelayCa.Identity> IDENTITY = Context.key("sluice-relay-identity");
    static final Context.Key<Instant> EXPIRES = Context.key("sluice-relay-certificate-expiry");
    static final Context.Key<String> ADDRESS = Context.key("sluice-relay-address");

    private RelayCallContext() {
    }

    /** The listener's TLS: the gateway's relay-listener certificate, relay certificates of the CA only. */
    static ServerCredentials serverCredentials(RelayCa ca, RelayCa.ServerIdentity identity) throws IOException {
        TlsServerCredentials.Builder credentials = TlsServerCredentials.newBuilder()
                .clientAuth(TlsServerCredentials.ClientAuth.OPTIONAL); // Enroll has no certificate yet
        try {
            char[] password = new char[0];
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, password);
            keys.setKeyEntry("gateway", identity.key(), password,
                    new Certificate[] {identity.certificate(), ca.certificate()});
            KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keyManagers.init(keys, password);
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, password);
            trust.setCertificateEntry("relay-ca", ca.certificate());
            TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(
                    TrustManagerFactory.getDefaultAlgorithm());
            trustManagers.init(trust);
            credentials.keyManager(keyManagers.getKeyManagers()).trustManager(trustManagers.getTrustManagers());
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException("cannot set up the relay listener's TLS", e);
        }
        return credentials.build();
    }

    /** Puts the caller's relay certificate (if any; the TLS handshake verified it) into the call's context. */
    static final class Authenticate implements ServerInterceptor {
        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                          ServerCallHandler<Q, R> next) {
            SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
            SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
            RelayCa.Identity identity = null;
            Instant expires = Instant.EPOCH;
            if (session != null) {
                try {
                    Certificate[] peer = session.getPeerCertificates();
                    if (peer.length > 0 && peer[0] instanceof X509Certificate leaf) {
                        identity = RelayCa.identity(leaf).orElse(null);
                        expires = leaf.getNotAfter().toInstant();
                    }
                } catch (SSLPeerUnverifiedException e) {
                    // no certificate: only Enroll is served
                }
            }
            String address = remote instanceof InetSocketAddress a ? a.getAddress().getHostAddress() + ":"
                    + a.getPort() : String.valueOf(remote);
            Context context = Context.current().withValue(IDENTITY, identity).withValue(EXPIRES, expires)
                    .withValue(ADDRESS, address);
            return Contexts.interceptCall(context, call, headers, next);
        }
    }

    static final class Ignore implements StreamObserver<byte[]> {
        @Override
        public void onNext(byte[] value) {
        }

        @Override
        public void onError(Throwable t) {
        }

        @Override
        public void onCompleted() {
        }
    }
}
