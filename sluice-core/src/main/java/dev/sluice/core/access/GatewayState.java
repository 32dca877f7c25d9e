package dev.sluice.core.access;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import dev.sluice.core.audit.AuditText;
import dev.sluice.core.config.RecordingConfig;
import dev.sluice.core.config.SluiceConfig;
import dev.sluice.core.masking.MaskingRules;
import dev.sluice.core.policy.PolicySet;

/**
 * One consistent generation of live configuration: the validated config and every section bound from it once, when
 * it was loaded: the policy, the masking rules, the recording settings, the audit bounds, and the sections other
 * modules bind ({@link #section}: the approvals, the API's auditors, ...). A reload swaps the whole state at once, so
 * a command is judged, held, masked and recorded by one generation, never half of two; nothing reads raw YAML at run
 * time.
 *
 * @param recording       the {@code recording:} section
 * @param maxAuditedBytes {@code audit.max-statement-bytes}: longer texts are recorded as head, length and digest
 * @param sections        other typed sections, by type
 */
public record GatewayState(SluiceConfig config, PolicySet policies, MaskingRules masking, RecordingConfig recording,
                           int maxAuditedBytes, Map<Class<?>, Object> sections) {
    public GatewayState {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(policies, "policies");
        Objects.requireNonNull(masking, "masking");
        Objects.requireNonNull(recording, "recording");
        sections = Map.copyOf(sections);
    }

    /** The core sections bound from {@code config}. */
    public GatewayState(SluiceConfig config, PolicySet policies, MaskingRules masking) {
        this(config, policies, masking, RecordingConfig.of(config), AuditText.maxStatementBytes(config), Map.of());
    }

    /** A state without masking rules. */
    public GatewayState(SluiceConfig config, PolicySet policies) {
        this(config, policies, MaskingRules.none());
    }

    /** This generation with one more typed section (bound from the same config). */
    public GatewayState with(Object section) {
        Map<Class<?>, Object> more = new HashMap<>(sections);
        more.put(section.getClass(), section);
        return new GatewayState(config, policies, masking, recording, maxAuditedBytes, more);
    }

    /** A section bound when this generation was loaded; empty when none of that type was. */
    public <T> Optional<T> section(Class<T> type) {
        return Optional.ofNullable(sections.get(type)).map(type::cast);
    }
}
