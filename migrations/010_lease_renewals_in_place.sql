-- Up Migration
-- A running task renews its lease every heartbeat (1 s locally, 5 s in AWS). While lease_expires_at was indexed
-- (idx_tasks_lease, from 003), each renewal was a non-HOT update: a new entry in every one of the table's indexes
-- (13 of them) per heartbeat of every running task. Without that index a renewal changes no indexed column, so
-- PostgreSQL can write it as a heap-only tuple on the same page; fillfactor keeps room on each page for that
-- (new pages only; a page written earlier gains it as its rows are updated and pruned).
-- The reaper still finds expired leases cheaply: it reads the running tasks through idx_tasks_status (the hot set,
-- a few hundred rows at most, never the history) and sorts them.
DROP INDEX IF EXISTS idx_tasks_lease;
ALTER TABLE tasks SET (fillfactor = 90);

-- Down Migration
ALTER TABLE tasks RESET (fillfactor);
CREATE INDEX IF NOT EXISTS idx_tasks_lease ON tasks (lease_expires_at) WHERE status = 'processing';
