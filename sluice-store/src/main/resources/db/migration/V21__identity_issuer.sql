-- Identities are (issuer, subject): a subject is unique only within its issuer (issue 9, class 9).
-- Portable SQL like V20. Grants made before this migration have no issuer ('') and so match no identity any more
-- (fail closed: they were time-bound and are re-requested); the lookup index now starts with the issuer.
ALTER TABLE access_grant ADD COLUMN issuer TEXT NOT NULL DEFAULT '';
DROP INDEX access_grant_lookup;
CREATE INDEX access_grant_lookup ON access_grant (issuer, subject, connection, until_ms);
-- The requester's issuer beside its subject (the requester JSON already holds both), for queries by identity.
ALTER TABLE approval_request ADD COLUMN issuer TEXT NOT NULL DEFAULT '';
