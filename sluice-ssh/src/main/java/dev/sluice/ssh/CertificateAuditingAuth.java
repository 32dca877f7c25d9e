package dev.sluice.ssh;

import java.security.PublicKey;
import java.time.Clock;

import org.apache.sshd.common.AttributeRepository;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;
import org.apache.sshd.server.auth.pubkey.UserAuthPublicKey;
import org.apache.sshd.server.auth.pubkey.UserAuthPublicKeyFactory;
import org.apache.sshd.server.session.ServerSession;

/**
 * MINA's public key authentication, plus an audit record for a certificate MINA refuses before Sluice's
 * authenticator sees it (expired, not yet valid, not a user certificate): MINA's own checks still decide, this only
 * makes the refusal visible in the audit trail, once per certificate and connection.
 */
final class CertificateAuditingAuth extends UserAuthPublicKeyFactory {
    private static final AttributeRepository.AttributeKey<String> AUDITED = new AttributeRepository.AttributeKey<>();
    /**
     * Whether the public key request being authenticated carries its signature (the real login) or only asks
     * whether the key would do: Sluice starts the session only on the signed one.
     */
    static final AttributeRepository.AttributeKey<Boolean> SIGNED = new AttributeRepository.AttributeKey<>();

    private final Clock clock;
    private final Refusals refused;

    /** Takes a refusal to audit. */
    @FunctionalInterface
    interface Refusals {
        void refused(ServerSession session, String username, String reason);
    }

    /** {@code refused} gets the session, the login name and the reason (safe to audit). */
    CertificateAuditingAuth(Clock clock, Refusals refused) {
        this.clock = clock;
        this.refused = refused;
    }

    @Override
    public UserAuthPublicKey createUserAuth(ServerSession session) {
        return new UserAuthPublicKey(getSignatureFactories()) {
            @Override
            public Boolean doAuth(Buffer buffer, boolean init) throws Exception {
                inspect(buffer, session, getUsername());
                return super.doAuth(buffer, init);
            }

            /**
             * MINA refuses {@code force-command} ("not implemented"); Sluice honours it (see {@link SshIdentities}), so
             * only unknown options are refused here, and {@code source-address} is checked by MINA as well.
             */
            @Override
            protected void verifyCriticalOptions(ServerSession s, OpenSshCertificate cert)
                    throws java.security.cert.CertificateException {
                for (String option : cert.getCriticalOptionsMap().keySet()) {
                    if (!SshIdentities.KNOWN_CRITICAL_OPTIONS.contains(option)) {
                        throw new java.security.cert.CertificateException("Rejected by unknown critical option "
                                + option);
                    }
                }
                verifyCertificateSources(s, cert);
            }
        };
    }

    private void inspect(Buffer buffer, ServerSession session, String username) {
        int position = buffer.rpos();
        session.setAttribute(SIGNED, Boolean.FALSE);
        try {
            session.setAttribute(SIGNED, buffer.getBoolean());
            buffer.getString();
            PublicKey key = new ByteArrayBuffer(buffer.getBytes()).getRawPublicKey();
            if (!(key instanceof OpenSshCertificate cert)) {
                return;
            }
            String reason;
            if (cert.getType() != OpenSshCertificate.Type.USER) {
                reason = "certificate \"" + cert.getId() + "\" is not a user certificate";
            } else if (!OpenSshCertificate.isValidAt(cert, clock.instant())) {
                reason = "certificate \"" + cert.getId() + "\" is not valid now (expired or not yet valid)";
            } else if (cert.getCriticalOptionsMap().containsKey("source-address") && !SshIdentities.sourceAllowed(
                    cert.getCriticalOptionsMap().get("source-address"), session.getClientAddress())) {
                reason = "certificate \"" + cert.getId() + "\" is not valid from this source address";
            } else {
                return;
            }
            if (!reason.equals(session.getAttribute(AUDITED))) {
                session.setAttribute(AUDITED, reason);
                refused.refused(session, username == null ? "" : username, reason);
            }
        } catch (Exception e) {
            // MINA reads the request itself and refuses what it cannot read
        } finally {
            buffer.rpos(position);
        }
    }
}
