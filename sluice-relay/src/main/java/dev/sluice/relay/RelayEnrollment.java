package dev.sluice.relay;

import java.io.IOException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Base64;
import java.util.function.Consumer;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sluice.core.audit.AuditEvent;

/**
 * The relay listener's {@code Enroll} (a one-time join token and a CSR, no client certificate: audited either way as
 * {@code relay.enroll}) and {@code Renew} (a new CSR, authenticated by the relay's current certificate) methods.
 * Called on virtual threads (they write the registry); thread-safe.
 */
final class RelayEnrollment {
    private static final Logger LOG = LoggerFactory.getLogger(RelayEnrollment.class);

    private final RelaysConfig config;
    private final RelayRegistry registry;
    private final Clock clock;
    private final Consumer<AuditEvent> record;

    RelayEnrollment(RelaysConfig config, RelayRegistry registry, Clock clock, Consumer<AuditEvent> record) {
        this.config = config;
        this.registry = registry;
        this.clock = clock;
        this.record = record;
    }

    void enroll(byte[] request, StreamObserver<byte[]> response) {
        String address = RelayCallContext.ADDRESS.get();
        try {
            RelayWire.EnrollRequest enroll = RelayWire.decode(request, RelayWire.EnrollRequest.class);
            if (enroll.token() == null || enroll.csr() == null) {
                throw new IOException("an enrollment needs a join token and a certificate signing request");
            }
            X509Certificate certificate = registry.enroll(enroll.token(), Base64.getDecoder().decode(enroll.csr()),
                    config.certificateTtl());
            RelayCa.Identity identity = RelayCa.identity(certificate).orElseThrow();
            record.accept(new AuditEvent.RelayEvent(clock.instant(), "enroll", identity.relayId(), identity.group(),
                    true, "from " + address + "; certificate until " + certificate.getNotAfter().toInstant()));
            LOG.info("relay {} (group {}) enrolled from {}", identity.relayId(), identity.group(), address);
            response.onNext(RelayWire.encode(new RelayWire.Certificate(Pem.write(certificate),
                    Pem.write(registry.ca().certificate()), identity.relayId(), identity.group())));
            response.onCompleted();
        } catch (IOException | RuntimeException e) {
            String reason = e instanceof RelayRegistry.RelayRefusedException || e instanceof IOException
                    ? e.getMessage() : "enrollment failed";
            record.accept(new AuditEvent.RelayEvent(clock.instant(), "enroll", "", "", false, "from " + address
                    + ": " + reason));
            LOG.warn("relay enrollment from {} refused: {}", address, reason);
            response.onError(Status.PERMISSION_DENIED.withDescription(reason).asRuntimeException());
        }
    }

    void renew(byte[] request, StreamObserver<byte[]> response) {
        RelayCa.Identity identity = RelayCallContext.IDENTITY.get();
        if (identity == null) {
            response.onError(Status.UNAUTHENTICATED.withDescription("a relay certificate is required")
                    .asRuntimeException());
            return;
        }
        try {
            RelayWire.RenewRequest renew = RelayWire.decode(request, RelayWire.RenewRequest.class);
            X509Certificate certificate = registry.renew(identity, Base64.getDecoder().decode(renew.csr()),
                    config.certificateTtl());
            LOG.info("relay {} renewed its certificate (until {})", identity.relayId(), certificate.getNotAfter());
            response.onNext(RelayWire.encode(new RelayWire.Certificate(Pem.write(certificate),
                    Pem.write(registry.ca().certificate()), identity.relayId(), identity.group())));
            response.onCompleted();
        } catch (IOException | RuntimeException e) {
            response.onError(Status.PERMISSION_DENIED.withDescription(e.getMessage()).asRuntimeException());
        }
    }
}
