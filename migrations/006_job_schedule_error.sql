-- Up Migration
-- Why the scheduler could not compute a job's next occurrence (null when it could). Set together with a retry time
-- in next_run_at, cleared by the next successful computation; a failure stays on its job instead of stopping the
-- scheduler pass for everyone.
ALTER TABLE jobs ADD COLUMN IF NOT EXISTS schedule_error TEXT;

-- Down Migration
ALTER TABLE jobs DROP COLUMN IF EXISTS schedule_error;
