package dev.sluice.core.session;

import java.time.Clock;

import dev.sluice.core.audit.AuditContext;
import dev.sluice.core.audit.AuditLog;
import dev.sluice.core.config.RecordingConfig;

/**
 * What a protocol's recorder needs to write its chunks into the audit trail: the session's context, the log, the
 * clock and the {@code recording:} settings of the configuration generation the session started under.
 */
public record RecordingContext(AuditContext context, AuditLog audit, Clock clock, RecordingConfig config) {
}
