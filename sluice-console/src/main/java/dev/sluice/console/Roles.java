package dev.sluice.console;

import dev.sluice.core.access.GatewayState;
import dev.sluice.core.approval.ApprovalSettings;
import dev.sluice.core.identity.Approver;
import dev.sluice.core.identity.Principal;
import dev.sluice.core.policy.Action;

/**
 * What a person may do in the console, decided by the rules the REST API and the data path use: the approvers named
 * by require-approval rules and by {@code approvals.access.approvers} ({@link Approver}), the API's auditor groups,
 * and the connections' {@code allow}. Each request is still authorised where it is served (a request is shown only
 * to those who may decide it or made it: {@code ApprovalRequest.visibleTo}).
 *
 * @param approver  named by some approval rule: the inbox is theirs
 * @param auditor   may read the trail: sessions, replay, audit search, live sessions and their kill switch
 * @param requester allowed on some connection: may ask for time-bound access
 */
record Roles(boolean approver, boolean auditor, boolean requester) {

    boolean any() {
        return approver || auditor || requester;
    }

    static Roles of(Principal person, GatewayState state, ApprovalSettings approvals, boolean auditor) {
        boolean approver = approvals.accessApprovers().stream().anyMatch(a -> Approver.names(a, person))
                || state.policies().rules().stream().map(rule -> rule.action())
                .filter(Action.RequireApproval.class::isInstance).map(Action.RequireApproval.class::cast)
                .flatMap(hold -> hold.approvers().stream()).anyMatch(a -> Approver.names(a, person));
        boolean requester = state.config().connections().stream().anyMatch(c -> c.allow().permits(person));
        return new Roles(approver, auditor, requester);
    }
}
