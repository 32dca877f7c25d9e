package dev.sluice.core.approval;

import java.io.IOException;

/**
 * Announces a new request to one place people watch. {@link #send} makes one delivery attempt and throws when it
 * did not succeed; retries and auditing are the caller's ({@link Notifications}). Implementations are thread-safe.
 */
public interface ApprovalNotifier {

    /** A short name for audit, e.g. {@code webhook https://hooks.example.com}. Never holds a secret. */
    String channel();

    void send(ApprovalRequest request, ApprovalLinks links) throws IOException, InterruptedException;

    /** A notifier that drops everything, for tests and gateways with nothing configured. */
    static ApprovalNotifier none() {
        return new ApprovalNotifier() {
            @Override
            public String channel() {
                return "none";
            }

            @Override
            public void send(ApprovalRequest request, ApprovalLinks links) {
                // nothing to deliver
            }
        };
    }
}
