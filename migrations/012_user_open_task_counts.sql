-- Up Migration
-- USER_MAX_QUEUED: how many open tasks (created or processing, not deleted) a user may have. Counting them in the
-- statement that inserts a task cannot hold the limit under concurrency: READ COMMITTED gives each statement the
-- snapshot of its start, so two racing inserts both count the same total. One row per user holds the count
-- instead; an insert locks it first (INSERT ... ON CONFLICT DO UPDATE, which waits for a concurrent holder and then
-- reads its committed value) and so sees every task committed before it. Triggers keep the count exact for every
-- writer and every change (insert, status change, soft delete, delete), so no statement has to remember to.
CREATE TABLE IF NOT EXISTS user_open_tasks (
    user_id    UUID PRIMARY KEY,
    open_tasks INTEGER NOT NULL DEFAULT 0
);

-- The occurrence a schedule last skipped because its user was at USER_MAX_QUEUED, and why (shown in the job).
ALTER TABLE jobs ADD COLUMN IF NOT EXISTS skipped_occurrence_at TIMESTAMPTZ;
ALTER TABLE jobs ADD COLUMN IF NOT EXISTS skipped_occurrence_reason TEXT;

-- Statement-level triggers with transition tables: one upsert per statement, only for users whose count changed
-- (a claim or a lease renewal changes none), applied in user_id order so that two statements touching several
-- users' counts (the scheduler's passes) lock them in the same order and cannot deadlock. The counts are locked
-- last, after a statement's jobs and tasks, as the inserting statements lock them too.
CREATE OR REPLACE FUNCTION user_open_tasks_apply_inserted() RETURNS trigger AS $$
BEGIN
    INSERT INTO user_open_tasks AS u (user_id, open_tasks)
    SELECT user_id, count(*) FROM new_tasks
     WHERE status IN ('created', 'processing') AND NOT is_deleted AND user_id IS NOT NULL
     GROUP BY user_id ORDER BY user_id
    ON CONFLICT (user_id) DO UPDATE SET open_tasks = u.open_tasks + EXCLUDED.open_tasks;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION user_open_tasks_apply_updated() RETURNS trigger AS $$
BEGIN
    INSERT INTO user_open_tasks AS u (user_id, open_tasks)
    SELECT user_id, sum(delta) FROM (
        SELECT user_id, 1 AS delta FROM new_tasks
         WHERE status IN ('created', 'processing') AND NOT is_deleted
        UNION ALL
        SELECT user_id, -1 FROM old_tasks
         WHERE status IN ('created', 'processing') AND NOT is_deleted) changes
     WHERE user_id IS NOT NULL
     GROUP BY user_id HAVING sum(delta) <> 0 ORDER BY user_id
    ON CONFLICT (user_id) DO UPDATE SET open_tasks = u.open_tasks + EXCLUDED.open_tasks;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION user_open_tasks_apply_deleted() RETURNS trigger AS $$
BEGIN
    INSERT INTO user_open_tasks AS u (user_id, open_tasks)
    SELECT user_id, -count(*) FROM old_tasks
     WHERE status IN ('created', 'processing') AND NOT is_deleted AND user_id IS NOT NULL
     GROUP BY user_id ORDER BY user_id
    ON CONFLICT (user_id) DO UPDATE SET open_tasks = u.open_tasks + EXCLUDED.open_tasks;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

-- No task changes between the triggers' creation and the count below: the lock holds writers off until commit.
LOCK TABLE tasks IN SHARE ROW EXCLUSIVE MODE;

DROP TRIGGER IF EXISTS user_open_tasks_inserted ON tasks;
CREATE TRIGGER user_open_tasks_inserted AFTER INSERT ON tasks
    REFERENCING NEW TABLE AS new_tasks
    FOR EACH STATEMENT EXECUTE FUNCTION user_open_tasks_apply_inserted();
DROP TRIGGER IF EXISTS user_open_tasks_updated ON tasks;
CREATE TRIGGER user_open_tasks_updated AFTER UPDATE ON tasks
    REFERENCING OLD TABLE AS old_tasks NEW TABLE AS new_tasks
    FOR EACH STATEMENT EXECUTE FUNCTION user_open_tasks_apply_updated();
DROP TRIGGER IF EXISTS user_open_tasks_deleted ON tasks;
CREATE TRIGGER user_open_tasks_deleted AFTER DELETE ON tasks
    REFERENCING OLD TABLE AS old_tasks
    FOR EACH STATEMENT EXECUTE FUNCTION user_open_tasks_apply_deleted();

UPDATE user_open_tasks SET open_tasks = 0;
INSERT INTO user_open_tasks AS u (user_id, open_tasks)
SELECT user_id, count(*) FROM tasks
 WHERE status IN ('created', 'processing') AND NOT is_deleted AND user_id IS NOT NULL
 GROUP BY user_id
ON CONFLICT (user_id) DO UPDATE SET open_tasks = EXCLUDED.open_tasks;

-- Down Migration
DROP TRIGGER IF EXISTS user_open_tasks_deleted ON tasks;
DROP TRIGGER IF EXISTS user_open_tasks_updated ON tasks;
DROP TRIGGER IF EXISTS user_open_tasks_inserted ON tasks;
DROP FUNCTION IF EXISTS user_open_tasks_apply_deleted();
DROP FUNCTION IF EXISTS user_open_tasks_apply_updated();
DROP FUNCTION IF EXISTS user_open_tasks_apply_inserted();
ALTER TABLE jobs DROP COLUMN IF EXISTS skipped_occurrence_reason;
ALTER TABLE jobs DROP COLUMN IF EXISTS skipped_occurrence_at;
DROP TABLE IF EXISTS user_open_tasks;
