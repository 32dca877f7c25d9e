package dev.sluice.console;

import java.net.URI;
import java.time.Clock;
import java.util.Objects;
import java.util.function.Predicate;
import java.util.function.Supplier;

import dev.sluice.core.access.GatewayState;
import dev.sluice.core.approval.Approvals;
import dev.sluice.core.audit.AuditReader;
import dev.sluice.core.identity.Principal;
import dev.sluice.store.AuditStore;
import dev.sluice.store.ConsoleSessionStore;

/**
 * What the gateway lends the console: everything it shows and changes goes through these, so that a person in a
 * browser is authorised by the same code as a bearer token on the REST API.
 *
 * @param state       the configuration and policies in force (re-read on every request: reloads apply at once)
 * @param approvals   the approvals service: lists, decisions (with its own rules: requesters never decide) and
 *                    access requests
 * @param audit       the trail, flushed before reads so a page shows what this replica just wrote
 * @param reader      searches, sessions and recordings
 * @param auditor     the REST API's rule for who may read the audit trail ({@code api.auditor-groups})
 * @param listenerUrl the http listener's own address: the public URL when {@code console.public-url} is not set
 * @param live        the live sessions of this gateway and how to end one
 * @param impact      the impact preview of held commands
 * @param browsers    the signed-in browsers, in the store beside the audit trail (shared by replicas sharing it);
 *                    the console closes it
 * @param clock       time
 */
public record ConsoleServices(Supplier<GatewayState> state, Approvals approvals, AuditStore audit, AuditReader reader,
                              Predicate<Principal> auditor, Supplier<URI> listenerUrl, LiveView live, ImpactPreview impact,
                              ConsoleSessionStore browsers, Clock clock) {
    public ConsoleServices {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(approvals, "approvals");
        Objects.requireNonNull(audit, "audit");
        Objects.requireNonNull(reader, "reader");
        Objects.requireNonNull(auditor, "auditor");
        Objects.requireNonNull(listenerUrl, "listenerUrl");
        Objects.requireNonNull(live, "live");
        Objects.requireNonNull(impact, "impact");
        Objects.requireNonNull(browsers, "browsers");
        Objects.requireNonNull(clock, "clock");
    }
}
