-- The id of the newest write-ahead journal record whose event is committed to audit_event (embedded store only;
-- updated in the same transaction as the rows, so recovery after a crash replays exactly what is missing).
CREATE TABLE audit_journal_mark (
    id BIGINT NOT NULL
);
INSERT INTO audit_journal_mark (id) VALUES (0);
