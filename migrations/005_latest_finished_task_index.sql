-- Up Migration
-- Deriving a job's status reads its latest finished task. Without this index that read walks every finished task
-- of the job and sorts them: cost growing with the job's history (a cron job accumulates thousands).
CREATE INDEX IF NOT EXISTS idx_tasks_job_finished ON tasks (job_id, finished_at DESC)
    WHERE status IN ('completed', 'failed') AND NOT is_deleted;

-- Down Migration
DROP INDEX IF EXISTS idx_tasks_job_finished;
