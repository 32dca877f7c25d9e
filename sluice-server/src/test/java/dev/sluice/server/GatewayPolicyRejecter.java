package dev.sluice.server;

import java.util.List;
import java.util.Optional;
import java.util.Set;

import dev.sluice.core.approval.ApprovalRequest;
import dev.sluice.core.approval.ApprovalState;
import dev.sluice.core.identity.Principal;

/**
 * The sre on duty for corpus tests: rejects every pending approval request as it appears, so that a statement a
 * {@code require-approval} rule holds comes back refused at once instead of waiting for its expiry.
 */
final class GatewayPolicyRejecter implements Runnable {
    static final String REASON = "rejected by the corpus test";
    private static final Principal SRE = new Principal("test", "corpus-sre", "corpus-sre", Set.of("sre"),
            Principal.Kind.HUMAN, List.of());

    private final GatewayHarness harness;

    private GatewayPolicyRejecter(GatewayHarness harness) {
        this.harness = harness;
    }

    static GatewayPolicyRejecter of(GatewayHarness harness) {
        return new GatewayPolicyRejecter(harness);
    }

    @Override
    public void run() {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                for (ApprovalRequest request : harness.gateway().approvals()
                        .list(Optional.of(ApprovalState.PENDING), 100)) {
                    harness.gateway().approvals().decide(request.id(), SRE, false, REASON);
                }
                Thread.sleep(50); // polling the gateway's own store for new requests
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                // a request decided or closed meanwhile: look again
            }
        }
    }
}
