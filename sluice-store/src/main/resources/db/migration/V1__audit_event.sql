-- The audit trail: one row per AuditEvent, hash-chained (see dev.sluice.store.ChainHash).
-- Portable SQL on purpose (SQLite and PostgreSQL run this same file): BIGINT epoch-millisecond timestamps, TEXT,
-- no defaults or functions that differ between the two. Absent values are stored as '' (text) or -1 (rows), never
-- NULL, so that the canonical encoding has one spelling per value.
CREATE TABLE audit_event (
    seq        BIGINT NOT NULL PRIMARY KEY,
    time_ms    BIGINT NOT NULL,
    kind       TEXT   NOT NULL,
    session    TEXT   NOT NULL,
    subject    TEXT   NOT NULL,
    groups     TEXT   NOT NULL,
    connection TEXT   NOT NULL,
    statement  TEXT   NOT NULL,
    verdict    TEXT   NOT NULL,
    rows       BIGINT NOT NULL,
    error      TEXT   NOT NULL,
    details    TEXT   NOT NULL,
    prev_hash  TEXT   NOT NULL,
    hash       TEXT   NOT NULL
);

CREATE INDEX audit_event_subject_time ON audit_event (subject, time_ms);
CREATE INDEX audit_event_connection_time ON audit_event (connection, time_ms);
CREATE INDEX audit_event_session ON audit_event (session);
CREATE INDEX audit_event_time ON audit_event (time_ms);
