-- Approval requests and the grants they leave (see dev.sluice.store.ApprovalStoreSql).
-- Portable SQL, like V1: SQLite and PostgreSQL run this same file. BIGINT epoch-millisecond timestamps, TEXT,
-- JSON as TEXT; absent values are '' or -1, never NULL. `version` is bumped by every update (compare-and-set).
CREATE TABLE approval_request (
    id                 TEXT   NOT NULL PRIMARY KEY,
    kind               TEXT   NOT NULL,
    state              TEXT   NOT NULL,
    version            BIGINT NOT NULL,
    requester          TEXT   NOT NULL,
    subject            TEXT   NOT NULL,
    connection         TEXT   NOT NULL,
    session            TEXT   NOT NULL,
    statement_id       BIGINT NOT NULL,
    statement          TEXT   NOT NULL,
    classification     TEXT   NOT NULL,
    shape              TEXT   NOT NULL,
    rule               TEXT   NOT NULL,
    reason             TEXT   NOT NULL,
    approvers          TEXT   NOT NULL,
    approvals_required BIGINT NOT NULL,
    scope              TEXT   NOT NULL,
    grant_ms           BIGINT NOT NULL,
    justification      TEXT   NOT NULL,
    created_ms         BIGINT NOT NULL,
    expires_ms         BIGINT NOT NULL,
    votes              TEXT   NOT NULL,
    note               TEXT   NOT NULL
);

CREATE INDEX approval_request_state_created ON approval_request (state, created_ms);
CREATE INDEX approval_request_created ON approval_request (created_ms);

CREATE TABLE access_grant (
    id          TEXT   NOT NULL PRIMARY KEY,
    approval_id TEXT   NOT NULL,
    subject     TEXT   NOT NULL,
    connection  TEXT   NOT NULL,
    shape       TEXT   NOT NULL,
    granted_ms  BIGINT NOT NULL,
    until_ms    BIGINT NOT NULL
);

CREATE INDEX access_grant_lookup ON access_grant (subject, connection, until_ms);
