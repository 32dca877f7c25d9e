package dev.sluice.store;

/** One row of {@code audit_event} as stored: its place in the chain, its content and the two chain hashes. */
record AuditRow(long seq, EventFields fields, String prevHash, String hash) {
}
