-- Evidence queries (issue "replayable sessions, query API, exports"): sessions are listed from their session.start
-- events, and recordings read by kind within a session. Portable SQL, as V1.
CREATE INDEX audit_event_kind_seq ON audit_event (kind, seq);
CREATE INDEX audit_event_session_seq ON audit_event (session, seq);
