-- Signed checkpoints of the audit chain (see dev.sluice.store.Checkpoints): each row is an Ed25519 signature over
-- one chain head (seq, hash) and the time it was signed. A checkpoint proves that the row at seq, and through the
-- chain every row before it, existed with exactly this content; it detects a deleted tail, a rewritten chain, and
-- anchors the trail after retention removed its oldest rows. Portable SQL, like V1.
CREATE TABLE audit_checkpoint (
    seq       BIGINT NOT NULL PRIMARY KEY,
    hash      TEXT   NOT NULL,
    time_ms   BIGINT NOT NULL,
    key_id    TEXT   NOT NULL,
    signature TEXT   NOT NULL
);

CREATE INDEX audit_checkpoint_time ON audit_checkpoint (time_ms);
