-- Up Migration
-- Fair claims across users (docs/semantics.md, "Claiming and running"). A claim walks the users with waiting tasks
-- (one index probe each), takes each user's best tasks in its own priority order, and interleaves users by how many
-- tasks each has running. These indexes lead with user_id, so every step is a short range scan whatever the
-- statistics say about the table's history. Their predicates are written `(status = …) IS TRUE`, and so are the
-- claim's: the same condition, but one idx_tasks_status cannot serve. After a burst of new tasks on a table of
-- finished ones, the statistics (taken before the burst) put the waiting tasks at about one row, and a planner
-- offered idx_tasks_status then walks every waiting task and sorts them; offered only these indexes, it cannot.

-- A user's waiting tasks in claim order; also the walk over the users that have any.
CREATE INDEX IF NOT EXISTS idx_tasks_user_claim ON tasks (user_id, priority DESC, run_at)
    WHERE (status = 'created') IS TRUE AND NOT is_deleted;
-- How many tasks a user has running (fair order, USER_MAX_RUNNING).
CREATE INDEX IF NOT EXISTS idx_tasks_user_running ON tasks (user_id) WHERE (status = 'processing') IS TRUE;

-- A user's running tasks, counted for a claim that enforces USER_MAX_RUNNING. The claim must not take a task for
-- a user whose count changed after the claim statement's snapshot was taken, so this takes the user's claim lock
-- first (transaction-scoped: held until the claim commits) and then counts with a snapshot of its own, which a
-- VOLATILE function gets for every statement it runs under READ COMMITTED. Claims of one user under a cap are
-- serialised by the lock; claims of users without a cap never call this. With `wait` false it does not wait for
-- the lock and answers NULL when another claim of the user holds it (the caller skips the user this time).
CREATE OR REPLACE FUNCTION user_running_tasks_locked(owner uuid, wait boolean) RETURNS integer
    LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    IF wait THEN
        PERFORM pg_advisory_xact_lock(1970500011, hashtext(owner::text));
    ELSIF NOT pg_try_advisory_xact_lock(1970500011, hashtext(owner::text)) THEN
        RETURN NULL;
    END IF;
    RETURN (SELECT count(*) FROM tasks WHERE user_id = owner AND (status = 'processing') IS TRUE);
END;
$$;

-- The hot set (waiting and running tasks) is small next to the history: analyse the table after every 2,000
-- changed rows instead of after 10% of it, so its statistics follow a burst within a minute (autovacuum's naptime).
-- The claim does not depend on it (its plan is the same with stale statistics, test/integration/claim-plan.test.ts).
ALTER TABLE tasks SET (autovacuum_analyze_scale_factor = 0, autovacuum_analyze_threshold = 2000);

-- Down Migration
ALTER TABLE tasks RESET (autovacuum_analyze_scale_factor, autovacuum_analyze_threshold);
DROP FUNCTION IF EXISTS user_running_tasks_locked(uuid, boolean);
DROP INDEX IF EXISTS idx_tasks_user_running;
DROP INDEX IF EXISTS idx_tasks_user_claim;
