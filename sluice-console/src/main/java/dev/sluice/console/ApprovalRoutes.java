package dev.sluice.console;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.sse.SseClient;

import dev.sluice.console.BrowserSessions.BrowserSession;
import dev.sluice.core.approval.ApprovalException;
import dev.sluice.core.approval.ApprovalJson;
import dev.sluice.core.approval.ApprovalRequest;
import dev.sluice.core.approval.ApprovalState;
import dev.sluice.core.approval.Approvals;
import dev.sluice.core.identity.Principal;

/**
 * The approvals inbox and history: JSON lists of the requests a person may see ({@link ApprovalRequest#visibleTo},
 * the REST API's rule), a server-sent event stream that pushes the inbox whenever it changes (polled from the store
 * every {@link #POLL}, so a decision taken on another replica shows too), and decisions through
 * {@link Approvals#decide}, which refuses a party to the request and a non-approver and audits both.
 */
final class ApprovalRoutes {
    static final Duration POLL = Duration.ofMillis(100);
    static final int MAX_STREAMS = 256;
    private static final int MAX_BODY = 16 * 1024;

    private final Console console;
    private final Guard guard;
    final EventStreams streams = new EventStreams(MAX_STREAMS);
    private final ImpactCache impacts;
    private final java.util.concurrent.locks.ReentrantLock snapshotLock = new java.util.concurrent.locks.ReentrantLock();
    private volatile Snapshot snapshot = new Snapshot(List.of(), 0);

    /** The pending requests as last read from the store, shared by every open stream (one read per poll). */
    private record Snapshot(List<ApprovalRequest> pending, long readAtNanos) {
    }

    ApprovalRoutes(Console console, Guard guard) {
        this.console = console;
        this.guard = guard;
        this.impacts = new ImpactCache(console.services().impact());
    }

    void register(RoutesConfig routes) {
        routes.get("/console/api/approvals", this::list);
        routes.get("/console/api/approvals/{id}", this::show);
        routes.sse("/console/api/approvals-stream", this::stream);
        routes.post("/console/api/approvals/{id}/approve", ctx -> decide(ctx, true));
        routes.post("/console/api/approvals/{id}/reject", ctx -> decide(ctx, false));
    }

    private void list(Context ctx) {
        Optional<BrowserSession> session = guard.api(ctx);
        if (session.isEmpty()) {
            return;
        }
        String filter = Optional.ofNullable(ctx.queryParam("state")).orElse("pending");
        Optional<ApprovalState> state = filter.equals("all") ? Optional.empty() : ApprovalState.parse(filter);
        if (state.isEmpty() && !filter.equals("all")) {
            ctx.status(400).json(Map.of("error", "unknown state"));
            return;
        }
        String query = Optional.ofNullable(ctx.queryParam("q")).orElse("").strip().toLowerCase(Locale.ROOT);
        ctx.json(Map.of("requests", visible(session.get().principal(), state, query, 500)));
    }

    private void show(Context ctx) {
        Optional<BrowserSession> session = guard.api(ctx);
        if (session.isEmpty()) {
            return;
        }
        Principal person = session.get().principal();
        Optional<ApprovalRequest> request = console.services().approvals().find(ctx.pathParam("id"))
                .filter(r -> r.visibleTo(person));
        if (request.isEmpty()) {
            ctx.status(404).json(Map.of("error", "no such request, or not yours to see"));
            return;
        }
        ctx.json(view(request.get(), person));
    }

    /** Pushes the person's pending requests at once and then on every change; a comment every 15 s keeps it open. */
    private void stream(SseClient client) {
        Context ctx = client.ctx();
        Optional<BrowserSession> session = guard.session(ctx);
        if (session.isEmpty() || !streams.tryOpen()) {
            client.sendEvent("error", session.isEmpty() ? "not signed in" : "too many open streams");
            client.close();
            return;
        }
        try {
            String last = "";
            long quiet = 0;
            long polls = 0;
            while (!client.terminated() && !console.closed()
                    && (++polls % 10 != 0 || guard.session(ctx).isPresent())) { // the store once a second
                Principal person = session.get().principal();
                String now = Json.write(pending().stream().filter(r -> r.visibleTo(person)).limit(200)
                        .map(r -> view(r, person)).toList());
                if (!now.equals(last)) {
                    client.sendEvent("approvals", now);
                    last = now;
                    quiet = 0;
                } else if (++quiet * POLL.toMillis() >= 15_000) {
                    client.sendComment("keep-alive");
                    quiet = 0;
                }
                Thread.sleep(POLL);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // the browser went away or the store failed: the page reconnects and shows the error then
        } finally {
            streams.ended();
            client.close();
        }
    }

    /** The pending requests, re-read from the store at most once per {@link #POLL} whatever the number of streams. */
    private List<ApprovalRequest> pending() {
        Snapshot current = snapshot;
        if (System.nanoTime() - current.readAtNanos() < POLL.toNanos() && current.readAtNanos() != 0) {
            return current.pending();
        }
        snapshotLock.lock();
        try {
            current = snapshot;
            if (current.readAtNanos() == 0 || System.nanoTime() - current.readAtNanos() >= POLL.toNanos()) {
                current = new Snapshot(console.services().approvals().list(Optional.of(ApprovalState.PENDING),
                        1000), System.nanoTime());
                snapshot = current;
            }
            return current.pending();
        } finally {
            snapshotLock.unlock();
        }
    }

    private void decide(Context ctx, boolean approve) {
        Optional<BrowserSession> session = guard.change(ctx);
        if (session.isEmpty()) {
            return;
        }
        String body = ctx.body();
        if (body.length() > MAX_BODY) {
            ctx.status(400).json(Map.of("error", "body too large"));
            return;
        }
        String reason = Json.field(body, "reason");
        Principal person = session.get().principal();
        try {
            ApprovalRequest result = console.services().approvals().decide(ctx.pathParam("id"), person, approve,
                    reason);
            ctx.json(view(result, person));
        } catch (ApprovalException e) {
            ctx.status(switch (e.problem()) {
                case NOT_FOUND -> 404;
                case FORBIDDEN -> 403;
                case CONFLICT -> 409;
                case INVALID -> 400;
                case UNAVAILABLE -> 503;
            }).json(Map.of("error", e.getMessage()));
        }
    }

    private List<Map<String, Object>> visible(Principal person, Optional<ApprovalState> state, String query,
                                              int limit) {
        Approvals approvals = console.services().approvals();
        return approvals.list(state, 1000).stream().filter(r -> r.visibleTo(person))
                .filter(r -> query.isEmpty() || matches(r, query)).limit(limit).map(r -> view(r, person)).toList();
    }

    private static boolean matches(ApprovalRequest r, String query) {
        String all = String.join("\n", r.id(), r.requester().subject(), r.requester().displayName(), r.connection(),
                r.statement(), r.rule(), r.reason(), r.justification(), r.note(), r.state().label(),
                String.join(" ", r.votes().stream().map(v -> v.approver() + " " + v.reason()).toList()));
        return all.toLowerCase(Locale.ROOT).contains(query);
    }

    /** The REST API's view, plus whether this person may vote on it now, and the impact preview if there is one. */
    private Map<String, Object> view(ApprovalRequest request, Principal person) {
        Map<String, Object> result = new LinkedHashMap<>(ApprovalJson.of(request,
                console.services().approvals().links(request.id())));
        boolean voted = request.votes().stream().anyMatch(v -> v.approver().equalsIgnoreCase(person.subject()));
        result.put("can_decide", request.state() == ApprovalState.PENDING && request.approvableBy(person)
                && !request.involves(person) && !voted);
        result.put("own", request.involves(person));
        impacts.preview(request).ifPresent(p -> result.put("impact", p.toMap()));
        return result;
    }
}
