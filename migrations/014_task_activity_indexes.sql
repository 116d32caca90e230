-- Up Migration
-- GET /stats reads one user's activity without touching the rest of history. A task ends at finished_at
-- (completed, failed); a cancel does not set finished_at, and no statement writes a cancelled, completed or failed
-- task again (every later UPDATE of a task requires an open status), so its updated_at is when it ended:
-- coalesce(finished_at, updated_at) is "when it ended" for all three. This index reads exactly the window's rows
-- of one user, never older history; status is included so the read needs no visit to the table.
CREATE INDEX IF NOT EXISTS idx_tasks_user_ended ON tasks (user_id, (coalesce(finished_at, updated_at))) INCLUDE (status)
    WHERE status IN ('completed', 'failed', 'cancelled') AND NOT is_deleted;

-- The user's waiting and running tasks, counted by status: a read bounded by what is open, not by history.
CREATE INDEX IF NOT EXISTS idx_tasks_user_open ON tasks (user_id, status)
    WHERE status IN ('created', 'processing') AND NOT is_deleted;

-- Down Migration
DROP INDEX IF EXISTS idx_tasks_user_open;
DROP INDEX IF EXISTS idx_tasks_user_ended;
