-- Up Migration
-- Idempotent job creation: a client-chosen key per user, and a hash of the request it first came with, so a
-- replay returns the same job and a different body under the same key is refused.
ALTER TABLE jobs ADD COLUMN IF NOT EXISTS idempotency_key VARCHAR(255);
ALTER TABLE jobs ADD COLUMN IF NOT EXISTS request_hash CHAR(64);
CREATE UNIQUE INDEX IF NOT EXISTS uq_jobs_user_idempotency_key
    ON jobs (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL;

-- Keyset pagination, newest first, for the two list endpoints: one index range scan per page.
CREATE INDEX IF NOT EXISTS idx_jobs_user_created_id ON jobs (user_id, created_at DESC, id DESC) WHERE NOT is_deleted;
CREATE INDEX IF NOT EXISTS idx_tasks_job_created_id ON tasks (job_id, created_at DESC, id DESC) WHERE NOT is_deleted;

-- Down Migration
DROP INDEX IF EXISTS idx_tasks_job_created_id;
DROP INDEX IF EXISTS idx_jobs_user_created_id;
DROP INDEX IF EXISTS uq_jobs_user_idempotency_key;
ALTER TABLE jobs DROP COLUMN IF EXISTS request_hash;
ALTER TABLE jobs DROP COLUMN IF EXISTS idempotency_key;
