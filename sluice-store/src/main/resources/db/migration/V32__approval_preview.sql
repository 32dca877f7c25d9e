-- What approvers are shown of a held HTTP or Kubernetes request beyond its text: content type, selected headers and
-- the body, masked before it is stored (dev.sluice.core.approval.HeldPreview, JSON). '' for requests without one.
-- Portable SQL, as V20: SQLite and PostgreSQL both take ADD COLUMN with a constant default.
ALTER TABLE approval_request ADD COLUMN preview TEXT NOT NULL DEFAULT '';
