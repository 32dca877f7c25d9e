package dev.sluice.console;

import java.util.List;

import dev.sluice.core.identity.Principal;
import dev.sluice.core.session.LiveSession;
import dev.sluice.core.session.SessionService;

/**
 * The live sessions of the gateway as the console shows them, and the kill switch: the core's live-session registry
 * ({@link SessionService}), which tells the client in its protocol and audits every ending with who ended it and
 * why. Authorisation is the caller's: the console lets only auditors list and end sessions.
 */
public interface LiveView {
    /** Sessions open now. */
    List<LiveSession> list();

    /** Ends session {@code id} on behalf of {@code by} with {@code reason}; false when no such session is open. */
    boolean end(String id, Principal by, String reason);

    /** Over the core's registry; {@code by} is recorded as "subject (issuer)", as the REST API does. */
    static LiveView of(SessionService sessions) {
        return new LiveView() {
            @Override
            public List<LiveSession> list() {
                return sessions.list();
            }

            @Override
            public boolean end(String id, Principal by, String reason) {
                return sessions.kill(id, by.subject() + " (" + by.issuer() + ")",
                        dev.sluice.core.audit.AuditText.callerString(reason));
            }
        };
    }

    /** No registry: an empty list, nothing to end. */
    static LiveView none() {
        return new LiveView() {
            @Override
            public List<LiveSession> list() {
                return List.of();
            }

            @Override
            public boolean end(String id, Principal by, String reason) {
                return false;
            }
        };
    }
}
