-- Up Migration
-- Background execution: per-job timeout and next scheduled occurrence; per-task attempts, due time, lease and
-- outcome details. Seed columns are untouched.
ALTER TABLE jobs ADD COLUMN IF NOT EXISTS timeout_seconds INTEGER NOT NULL DEFAULT 300
    CONSTRAINT chk_jobs_timeout_seconds CHECK (timeout_seconds >= 1 AND timeout_seconds <= 840);
ALTER TABLE jobs ADD COLUMN IF NOT EXISTS next_run_at TIMESTAMPTZ;

ALTER TABLE tasks ADD COLUMN IF NOT EXISTS attempt INTEGER NOT NULL DEFAULT 0
    CONSTRAINT chk_tasks_attempt CHECK (attempt >= 0);
ALTER TABLE tasks ADD COLUMN IF NOT EXISTS priority INTEGER NOT NULL DEFAULT 50
    CONSTRAINT chk_tasks_priority CHECK (priority >= 0 AND priority <= 100);
ALTER TABLE tasks ADD COLUMN IF NOT EXISTS run_at TIMESTAMPTZ NOT NULL DEFAULT NOW();
ALTER TABLE tasks ADD COLUMN IF NOT EXISTS scheduled_for TIMESTAMPTZ;
ALTER TABLE tasks ADD COLUMN IF NOT EXISTS started_at TIMESTAMPTZ;
ALTER TABLE tasks ADD COLUMN IF NOT EXISTS finished_at TIMESTAMPTZ;
ALTER TABLE tasks ADD COLUMN IF NOT EXISTS last_error TEXT;
ALTER TABLE tasks ADD COLUMN IF NOT EXISTS lease_owner VARCHAR(100);
ALTER TABLE tasks ADD COLUMN IF NOT EXISTS lease_expires_at TIMESTAMPTZ;
ALTER TABLE tasks ADD COLUMN IF NOT EXISTS dispatched_at TIMESTAMPTZ;

-- One task per scheduled occurrence, however many schedulers race.
CREATE UNIQUE INDEX IF NOT EXISTS uq_tasks_job_occurrence ON tasks (job_id, scheduled_for) WHERE scheduled_for IS NOT NULL;
-- Claiming: the highest priority, then the earliest due, among waiting tasks.
CREATE INDEX IF NOT EXISTS idx_tasks_claim ON tasks (priority DESC, run_at) WHERE status = 'created' AND NOT is_deleted;
-- Reaping leases that expired with their worker.
CREATE INDEX IF NOT EXISTS idx_tasks_lease ON tasks (lease_expires_at) WHERE status = 'processing';
-- Materialising due occurrences.
CREATE INDEX IF NOT EXISTS idx_jobs_next_run ON jobs (next_run_at) WHERE next_run_at IS NOT NULL AND NOT is_deleted;

-- Down Migration
DROP INDEX IF EXISTS idx_jobs_next_run;
DROP INDEX IF EXISTS idx_tasks_lease;
DROP INDEX IF EXISTS idx_tasks_claim;
DROP INDEX IF EXISTS uq_tasks_job_occurrence;
ALTER TABLE tasks DROP COLUMN IF EXISTS dispatched_at;
ALTER TABLE tasks DROP COLUMN IF EXISTS lease_expires_at;
ALTER TABLE tasks DROP COLUMN IF EXISTS lease_owner;
ALTER TABLE tasks DROP COLUMN IF EXISTS last_error;
ALTER TABLE tasks DROP COLUMN IF EXISTS finished_at;
ALTER TABLE tasks DROP COLUMN IF EXISTS started_at;
ALTER TABLE tasks DROP COLUMN IF EXISTS scheduled_for;
ALTER TABLE tasks DROP COLUMN IF EXISTS run_at;
ALTER TABLE tasks DROP COLUMN IF EXISTS priority;
ALTER TABLE tasks DROP COLUMN IF EXISTS attempt;
ALTER TABLE jobs DROP COLUMN IF EXISTS next_run_at;
ALTER TABLE jobs DROP COLUMN IF EXISTS timeout_seconds;
