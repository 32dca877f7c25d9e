package dev.sluice.http;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sluice.core.access.TargetGrant;
import dev.sluice.core.approval.HeldPreview;
import dev.sluice.core.approval.HoldWatch;
import dev.sluice.core.audit.AuditWriteException;
import dev.sluice.core.audit.CommandOutcome;
import dev.sluice.core.exec.ShellLine;
import dev.sluice.core.identity.Principal;
import dev.sluice.core.masking.MaskingPlan;
import dev.sluice.core.masking.MaskingRules;
import dev.sluice.core.policy.Command;
import dev.sluice.core.policy.HttpCommand;
import dev.sluice.core.policy.KubeCommand;
import dev.sluice.core.session.CommandRequest;
import dev.sluice.core.session.Deferrable;
import dev.sluice.core.session.GatewaySession;
import dev.sluice.core.session.RecordingContext;
import dev.sluice.core.session.Submission;

/**
 * A {@link CallerSession} on a core {@link GatewaySession}: each request becomes one {@link CommandRequest} of a
 * {@link KubeCommand} or an {@link HttpCommand} (a Kubernetes request that may create what it names, a server-side
 * apply or a PUT, is judged as {@code create} too: the stricter verdict wins), and its outcome a
 * {@link CommandOutcome.Http}.
 */
final class CoreCallerSession implements CallerSession {
    private static final Logger LOG = LoggerFactory.getLogger(CoreCallerSession.class);
    private final GatewaySession session;
    private final HttpTarget target;
    private final String tokenDigest;
    private final RecordingContext recording;
    /** Read and replaced by the client connection's thread (and an upgrade relay's: a stale read only rebuilds). */
    private volatile Plans plans = new Plans(null, MaskingPlan.empty());

    CoreCallerSession(GatewaySession session, HttpTarget target, String tokenDigest, RecordingContext recording) {
        this.session = session;
        this.target = target;
        this.tokenDigest = tokenDigest;
        this.recording = recording;
    }

    @Override
    public java.util.Optional<ExecRecording> execRecording(String subprotocol, String command) {
        if (!recording.config().enabled()) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(new ExecRecording(recording, masking(), subprotocol, command));
    }

    TargetGrant grant() {
        return session.grant();
    }

    @Override
    public String connection() {
        return target.name();
    }

    @Override
    public String tokenDigest() {
        return tokenDigest;
    }

    @Override
    public Principal principal() {
        return session.grant().principal();
    }

    @Override
    public HttpTarget target() {
        return target;
    }

    @Override
    public MaskingPlan masking() {
        // One plan per configuration generation, not one per answer: rebuilt when a reload replaced the rules.
        MaskingRules rules = session.state().masking();
        Plans current = plans;
        if (current.rules() != rules) {
            current = new Plans(rules, rules.plan(target.name(), principal().groups()));
            plans = current;
        }
        return current.plan();
    }

    /** The caller's masking plan and the rules it was built from (a reload replaces the rules instance). */
    private record Plans(MaskingRules rules, MaskingPlan plan) {
    }

    @Override
    public MaskingPlan recordMasking() {
        return session.state().masking().plan(target.name(), java.util.Set.of());
    }

    @Override
    public Verdict submit(RequestFacts facts, java.util.function.Supplier<HeldPreview> preview, HoldWatch watch) {
        return submit(new CommandRequest(facts.text(), List.of(), commands(facts), java.util.Optional.empty(),
                preview), watch);
    }

    @Override
    public Verdict submit(RequestFacts facts, java.util.function.Supplier<HeldPreview> preview,
                          java.util.function.Supplier<String> retryKey, HoldWatch watch) {
        CommandRequest request = new CommandRequest(facts.text(), List.of(), commands(facts),
                java.util.Optional.empty(), preview);
        try {
            return switch (session.submit(request, retryKey, watch)) {
                case Deferrable.Now now -> verdict(now.submission());
                case Deferrable.Accepted held -> new Verdict.Held(held.commandId(), held.approvalId(),
                        held.expires(), held.message());
            };
        } catch (AuditWriteException e) {
            return auditFailed(e);
        }
    }

    @Override
    public Verdict refuse(RequestFacts facts, String reason) {
        return submit(CommandRequest.refused(facts.text(), commands(facts), reason), new SilentWatch());
    }

    @Override
    public Verdict refuseUnlessDenied(RequestFacts facts, String reason) {
        CommandRequest request = new CommandRequest(facts.text(), List.of(), commands(facts),
                java.util.Optional.empty());
        dev.sluice.core.policy.Decision decision = session.judge(request.commands());
        if (!(decision.verdict() instanceof dev.sluice.core.policy.Verdict.Deny)) {
            return refuse(facts, reason);
        }
        try {
            return verdict(session.refuse(request, decision));
        } catch (AuditWriteException e) {
            return auditFailed(e);
        }
    }

    private Verdict submit(CommandRequest request, HoldWatch watch) {
        try {
            return verdict(session.submit(request, watch));
        } catch (AuditWriteException e) {
            return auditFailed(e);
        }
    }

    private static Verdict verdict(Submission submission) {
        return switch (submission) {
            case Submission.Forward forward -> new Verdict.Forward(forward.commandId());
            case Submission.Refuse refuse -> new Verdict.Refuse(refuse.commandId(), 403, refuse.message());
        };
    }

    private Verdict auditFailed(AuditWriteException e) {
        // Fail closed: nothing is forwarded that is not in the audit trail; the session ends.
        LOG.error("session {}: audit write failed", session.context().session(), e);
        session.end("audit trail unavailable");
        return new Verdict.Refuse(0, 503, "Sluice cannot record this request in its audit trail; refused");
    }

    static List<Command> commands(RequestFacts facts) {
        return switch (facts) {
            case RequestFacts.Kube kube -> {
                KubeRequest r = kube.request();
                String text = kube.method() + " " + kube.target();
                String kubectl = kube.kubectlCommand().orElse("");
                List<Command> result = new ArrayList<>();
                result.add(new KubeCommand(r.verb(), r.group(), r.version(), r.resource(), r.subresource(),
                        r.namespace(), r.name(), text, kubectl));
                if (!kube.execCommand().isEmpty()) {
                    // kubectl exec: the argv is read by core as SSH's line is (ShellLine: interpreters, wrappers,
                    // options that run commands, sh -c LINE) and judged under rule key commands, as well as the verb;
                    // an opaque one is also of kind OPAQUE, which an allow rule must list
                    String line = String.join(" ", kube.execCommand());
                    result.add(ShellLine.readArgv(kube.execCommand()).command("kubernetes", "EXEC", line));
                }
                if (r.alsoCreate()) {
                    result.add(new KubeCommand("create", r.group(), r.version(), r.resource(), r.subresource(),
                            r.namespace(), r.name(), text, kubectl));
                }
                // What the body holds (privileged, hostpath, ...) is judged as a pseudo-subresource of the same
                // request: rules name pods/privileged, deployments/hostpath, or */privileged.
                for (String finding : new java.util.TreeSet<>(kube.bodyFindings())) {
                    result.add(new KubeCommand(r.verb(), r.group(), r.version(), r.resource(), finding,
                            r.namespace(), r.name(), text, kubectl));
                    if (r.alsoCreate()) {
                        result.add(new KubeCommand("create", r.group(), r.version(), r.resource(), finding,
                                r.namespace(), r.name(), text, kubectl));
                    }
                }
                yield result;
            }
            case RequestFacts.Http http -> List.of(new HttpCommand(http.method(), http.host(), http.path(),
                    http.query(), http.headers()));
        };
    }

    @Override
    public void completed(long commandId, int status, long bytes, String error, Duration duration,
                          Map<String, Long> masked) {
        if (commandId > 0) {
            session.completed(commandId, new CommandOutcome.Http(status, bytes, error), duration, masked);
        }
    }

    @Override
    public void countFromClient(long bytes) {
        session.countFromClient(bytes);
    }

    @Override
    public void countToClient(long bytes) {
        session.countToClient(bytes);
    }

    @Override
    public void end(String reason) {
        session.end(reason);
    }

    /** A refusal decided by Sluice is never held. */
    private static final class SilentWatch implements HoldWatch {
        @Override
        public void waiting(String message) {
        }

        @Override
        public java.util.Optional<String> abandoned() {
            return java.util.Optional.of("refused");
        }
    }
}
