-- Up Migration
-- Every statement that cancels a task now sets finished_at, as completing and failing do, so finished_at is when a
-- task ended in any final state. Tasks cancelled before this have it null; nothing writes a task after it ended
-- (every UPDATE of a task requires an open status), so their updated_at is when they were cancelled.
UPDATE tasks SET finished_at = updated_at WHERE status = 'cancelled' AND finished_at IS NULL;

-- GET /stats reads one user's tasks that ended within a window through this index, never older history; status is
-- included so the read needs no visit to the table. It replaces idx_tasks_user_ended (014), whose expression read
-- updated_at: a column every lease renewal writes (through the trigger), so renewals stopped being heap-only (HOT)
-- updates (see 010). No index may cover updated_at or lease_expires_at.
DROP INDEX IF EXISTS idx_tasks_user_ended;
CREATE INDEX IF NOT EXISTS idx_tasks_user_finished ON tasks (user_id, finished_at) INCLUDE (status)
    WHERE status IN ('completed', 'failed', 'cancelled') AND NOT is_deleted;

-- Down Migration
-- The backfilled finished_at of older cancelled tasks stays: it is true, and 014's expression reads it first.
DROP INDEX IF EXISTS idx_tasks_user_finished;
CREATE INDEX IF NOT EXISTS idx_tasks_user_ended ON tasks (user_id, (coalesce(finished_at, updated_at))) INCLUDE (status)
    WHERE status IN ('completed', 'failed', 'cancelled') AND NOT is_deleted;
