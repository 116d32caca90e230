-- Up Migration
-- idx_tasks_claim (migration 003) served the claim when it ordered every user's waiting tasks together. The fair
-- claim (migration 011) reads each user's waiting tasks through idx_tasks_user_claim instead, and no other
-- statement reads idx_tasks_claim; it only cost a write on every insert and every claim of a task.
DROP INDEX IF EXISTS idx_tasks_claim;

-- Down Migration
CREATE INDEX IF NOT EXISTS idx_tasks_claim ON tasks (priority DESC, run_at) WHERE status = 'created' AND NOT is_deleted;
