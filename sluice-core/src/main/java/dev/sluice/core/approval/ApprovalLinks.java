package dev.sluice.core.approval;

import java.net.URI;
import java.util.Objects;

/**
 * Where people decide a request: its page in the web console (where Slack and webhook links land), its REST
 * resource, the approve and reject endpoints (POST, with a bearer token), and the equivalent CLI commands.
 */
public record ApprovalLinks(URI request, URI approve, URI reject, String approveCommand, String rejectCommand,
                            URI console) {
    public ApprovalLinks {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(approve, "approve");
        Objects.requireNonNull(reject, "reject");
        Objects.requireNonNull(approveCommand, "approveCommand");
        Objects.requireNonNull(rejectCommand, "rejectCommand");
        Objects.requireNonNull(console, "console");
    }

    /** The links of request {@code id} under {@code base} (Sluice's public http URL). */
    public static ApprovalLinks of(URI base, String id) {
        String root = base.toString().replaceAll("/+$", "");
        String cli = " --url " + root;
        return new ApprovalLinks(URI.create(root + "/api/approvals/" + id),
                URI.create(root + "/api/approvals/" + id + "/approve"),
                URI.create(root + "/api/approvals/" + id + "/reject"),
                "sluice approve " + id + cli, "sluice reject " + id + " --reason '...'" + cli,
                URI.create(root + "/console/approvals/" + id));
    }
}
