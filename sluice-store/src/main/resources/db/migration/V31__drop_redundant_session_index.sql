-- audit_event_session (V1) is the prefix of audit_event_session_seq (V10): every query it served, the other serves.
-- Each appended row updated both; under a busy HTTPS proxy (three rows per request) index upkeep is most of the
-- writer's cost. Portable SQL, as V1.
DROP INDEX audit_event_session;
