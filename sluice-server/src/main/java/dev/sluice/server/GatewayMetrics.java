package dev.sluice.server;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import dev.sluice.core.access.GatewayState;
import dev.sluice.core.audit.AuditContext;
import dev.sluice.core.audit.AuditEvent;

/**
 * The gateway's Prometheus metrics, derived from the audit events that flow through {@link MeteredAuditLog} (every
 * session, verdict, outcome and approval is one), plus a few gauges read at scrape time.
 *
 * <p>Label cardinality is bounded by construction: {@code connection} is a configured connection name or
 * {@code other} (a client names the connection it asks for, so an unknown name is never a label), {@code verdict}
 * and {@code outcome} are closed sets, and an authentication failure's {@code reason} is mapped onto a fixed list.
 * No subject, statement text, parameter or token is ever a label. Thread-safe.
 */
final class GatewayMetrics {
    static final String OTHER = "other";
    private static final Duration HOLD_FORGET = Duration.ofDays(1);

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Supplier<GatewayState> state;
    private final Map<String, AtomicInteger> activeSessions = new ConcurrentHashMap<>();
    private final Map<String, String[]> sessions = new ConcurrentHashMap<>();
    private final Map<String, Instant> holds = new ConcurrentHashMap<>();
    /** Meters by name and labels: looking one up here is several times cheaper than registering it again. */
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final Map<String, Timer> timers = new ConcurrentHashMap<>();
    private final Timer auditWrite;
    private final Counter auditFailures;

    GatewayMetrics(Supplier<GatewayState> state) {
        this.state = state;
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        this.auditWrite = latency(Timer.builder("sluice.audit.write")
                .description("time to make one audit event durable before its action (write-ahead or append)"));
        this.auditFailures = Counter.builder("sluice.audit.write.failures")
                .description("audit writes that failed; the action they described was refused").register(registry);
        Gauge.builder("sluice.holds.pending", holds, Map::size)
                .description("statements held for approval in this instance's sessions").register(registry);
        Gauge.builder("sluice.holds.oldest.age", this, GatewayMetrics::oldestHoldSeconds).baseUnit("seconds")
                .description("how long the oldest pending hold has waited").register(registry);
    }

    PrometheusMeterRegistry registry() {
        return registry;
    }

    /** The Prometheus text exposition of every metric. */
    String scrape() {
        return registry.scrape();
    }

    /** A gauge read at scrape time. */
    void gauge(String name, String description, Supplier<Number> value) {
        Gauge.builder(name, value).strongReference(true).description(description).register(registry);
    }

    /** A gauge with one label read at scrape time. */
    void gauge(String name, String description, String label, String labelValue, Supplier<Number> value) {
        Gauge.builder(name, value).strongReference(true).description(description).tag(label, labelValue)
                .register(registry);
    }

    void auditWritten(long nanos) {
        auditWrite.record(nanos, TimeUnit.NANOSECONDS);
    }

    void auditFailed() {
        auditFailures.increment();
    }

    void upstreamConnectFailed(String connection) {
        count("sluice.upstream.connect.errors", "upstream connections Sluice could not open",
                "connection", connection(connection));
    }

    void configReloaded(boolean accepted) {
        count("sluice.config.reloads", "configuration reloads", "result", accepted ? "accepted" : "rejected");
    }

    /** Counts what {@code event} tells; called once the event is durable (or queued, for outcomes). */
    void observe(AuditEvent event) {
        switch (event) {
            case AuditEvent.SessionStarted s -> sessionStarted(s.ctx(), s.protocol());
            case AuditEvent.SessionEnded s -> sessionEnded(s.ctx());
            case AuditEvent.AuthFailed a -> count("sluice.auth.failures",
                    "credentials refused (token verification failures and refused plaintext)", "reason",
                    AuthReasons.of(a.reason()));
            case AuditEvent.AccessDenied a -> count("sluice.access.denied",
                    "verified principals refused a connection", "reason", switch (a.reason()) {
                        case "no such connection" -> "no_such_connection";
                        case "no active access grant" -> "no_access_grant";
                        case "not in the connection's allow list" -> "not_allowed";
                        default -> a.reason().startsWith("connection is of type ") ? "wrong_protocol" : OTHER;
                    });
            case AuditEvent.CommandEvaluated s -> count("sluice.commands", "commands judged", "verdict",
                    s.verdict(), "connection", connection(s.ctx().connection()));
            case AuditEvent.CommandCompleted c -> commandDuration(connection(c.ctx().connection()),
                    c.sqlState().isEmpty() ? "ok" : "error").record(c.duration());
            case AuditEvent.ApprovalRequested r -> approvalRequested(r);
            case AuditEvent.ApprovalClosed c -> approvalClosed(c);
            default -> {
            }
        }
    }

    private Timer commandDuration(String connection, String outcome) {
        return timers.computeIfAbsent("command\0" + connection + '\0' + outcome, k -> latency(
                Timer.builder("sluice.command.duration")
                        .description("statement latency through Sluice, from forwarding to the server's completion")
                        .tag("connection", connection).tag("outcome", outcome)));
    }

    private void sessionStarted(AuditContext ctx, String protocol) {
        String connection = connection(ctx.connection());
        String key = protocol + '\0' + connection;
        activeSessions.computeIfAbsent(key, k -> {
            AtomicInteger result = new AtomicInteger();
            Gauge.builder("sluice.sessions.active", result, AtomicInteger::get).description("open sessions")
                    .tag("protocol", protocol).tag("connection", connection).register(registry);
            return result;
        }).incrementAndGet();
        sessions.put(ctx.session().toString(), new String[] {protocol, connection});
        count("sluice.sessions.started", "sessions started", "protocol", protocol, "connection", connection);
    }

    private void sessionEnded(AuditContext ctx) {
        String[] session = sessions.remove(ctx.session().toString());
        if (session == null) {
            return;
        }
        activeSessions.get(session[0] + '\0' + session[1]).decrementAndGet();
        count("sluice.sessions.ended", "sessions ended", "protocol", session[0], "connection", session[1]);
    }

    private void approvalRequested(AuditEvent.ApprovalRequested request) {
        count("sluice.approval.requests", "approval requests", "kind",
                "access".equals(request.requestKind()) ? "access" : "statement");
        if (!"access".equals(request.requestKind())) {
            holds.put(request.approvalId(), request.time());
        }
    }

    private void approvalClosed(AuditEvent.ApprovalClosed closed) {
        Instant requested = holds.remove(closed.approvalId());
        String outcome = switch (closed.outcome()) {
            case "executed", "rejected", "expired", "withdrawn" -> closed.outcome();
            default -> OTHER;
        };
        if (requested != null) {
            latency(Timer.builder("sluice.approval.wait")
                    .description("how long a held statement waited, from its hold to its outcome")
                    .tag("outcome", outcome)).record(Duration.between(requested, closed.time()));
        }
    }

    private double oldestHoldSeconds() {
        Instant now = Instant.now();
        holds.values().removeIf(t -> t.isBefore(now.minus(HOLD_FORGET))); // a hold whose end was never recorded
        return holds.values().stream().min(Instant::compareTo)
                .map(t -> Duration.between(t, now).toNanos() / 1e9).orElse(0.0);
    }

    /** A configured connection's name, else {@value #OTHER}: clients name connections, labels must stay bounded. */
    String connection(String name) {
        return state.get().config().connection(name).isPresent() ? name : OTHER;
    }

    private void count(String name, String description, String... tags) {
        String key = tags.length == 2 ? name + '\0' + tags[1] : name + '\0' + String.join("\0", tags);
        counters.computeIfAbsent(key, k -> Counter.builder(name).description(description).tags(tags)
                .register(registry)).increment();
    }

    private Timer latency(Timer.Builder builder) {
        return builder.publishPercentileHistogram().minimumExpectedValue(Duration.ofNanos(50_000))
                .maximumExpectedValue(Duration.ofMinutes(10)).register(registry);
    }

    /** Maps a token verifier's refusal onto a closed set of reasons. */
    static final class AuthReasons {
        private AuthReasons() {
        }

        static String of(String reason) {
            String text = reason.toLowerCase(Locale.ROOT);
            if (text.contains("expired") || text.contains("not yet valid") || text.contains("no expiry")) {
                return "expired";
            }
            if (text.contains("signature") || text.contains("signing key") || text.contains("algorithm")
                    || text.contains("critical header") || text.contains("encrypted")) {
                return "signature";
            }
            if (text.contains("issuer") || text.contains("identity provider is configured")) {
                return "issuer";
            }
            if (text.contains("audience")) {
                return "audience";
            }
            if (text.contains("identity provider unavailable")) {
                return "provider_unavailable";
            }
            if (text.contains("tls required")) {
                return "tls_required";
            }
            if (text.contains("malformed") || text.contains("subject") || text.contains("act claim")
                    || text.contains("delegation")) {
                return "malformed";
            }
            return OTHER;
        }
    }
}
