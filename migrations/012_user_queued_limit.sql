-- Up Migration
-- USER_MAX_QUEUED: how many open tasks (created or processing, not deleted) a user may have. Counting them in the
-- statement that inserts a task cannot hold the limit under concurrency: READ COMMITTED gives each statement the
-- snapshot of its start, so two racing inserts both count the same total. So a statement that may add a user's
-- tasks calls the function below, which works as user_running_tasks_locked (migration 011) does for
-- USER_MAX_RUNNING: it takes the user's lock (transaction-scoped, held until the insert commits) and only then
-- counts, with a snapshot of its own (a VOLATILE function gets one for every query it runs under READ COMMITTED),
-- which holds every task of the user committed before the lock was granted. A racing insert of the same user waits
-- for the lock and then counts this one's task too. Only inserts open tasks (no statement reopens an ended one),
-- and every insert calls this, so claims, renewals, results and cancels take no lock and write nothing extra; the
-- count can only have dropped since it was taken, which errs on the side of the limit.
--
-- The lock keys: (1970500012, hashtext(user id)), a key space of its own beside 011's (1970500011, …), so the
-- running cap and the queued cap never wait for each other. Several users are locked in the order of their keys
-- (then ids), each key once: two statements that lock several users (two scheduler passes) take them in the same
-- order and cannot deadlock, even when two users' ids hash to the same key. The count reads idx_tasks_user_open
-- (migration 014), whose predicate this query implies: an index-only count of the user's open tasks.
CREATE OR REPLACE FUNCTION user_open_tasks_locked(owners uuid[])
    RETURNS TABLE (user_id uuid, open_tasks integer)
    LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    owner uuid;
BEGIN
    FOR owner IN SELECT o FROM (SELECT DISTINCT o FROM unnest(owners) AS o WHERE o IS NOT NULL) AS d
                  ORDER BY hashtext(o::text), o LOOP
        PERFORM pg_advisory_xact_lock(1970500012, hashtext(owner::text));
        user_id := owner;
        open_tasks := (SELECT count(*) FROM tasks t
                        WHERE t.user_id = owner AND t.status IN ('created', 'processing') AND NOT t.is_deleted);
        RETURN NEXT;
    END LOOP;
END;
$$;

-- The occurrence a schedule last skipped because its user was at USER_MAX_QUEUED, and why (shown in the job).
ALTER TABLE jobs ADD COLUMN IF NOT EXISTS skipped_occurrence_at TIMESTAMPTZ;
ALTER TABLE jobs ADD COLUMN IF NOT EXISTS skipped_occurrence_reason TEXT;

-- Down Migration
ALTER TABLE jobs DROP COLUMN IF EXISTS skipped_occurrence_reason;
ALTER TABLE jobs DROP COLUMN IF EXISTS skipped_occurrence_at;
DROP FUNCTION IF EXISTS user_open_tasks_locked(uuid[]);
