-- Up Migration
-- A job's status is derived from its tasks by short statements that may overlap. Each applies only if no other
-- derivation landed since its snapshot (compare-and-set on this counter) and otherwise recomputes, so the last
-- word is always computed from the latest tasks. Kept apart from `version`, the API's ETag, which moves only
-- when the status really changes.
ALTER TABLE jobs ADD COLUMN IF NOT EXISTS status_seq BIGINT NOT NULL DEFAULT 0;

-- Down Migration
ALTER TABLE jobs DROP COLUMN IF EXISTS status_seq;
