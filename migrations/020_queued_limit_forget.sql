-- Up Migration
-- An insert with no limit (USER_MAX_QUEUED=0, beside limited ones while a deploy switches the limit) could leave
-- migration 019's bound below the user's open tasks for good: a run rebuilding the base counted before that insert
-- committed, and took the base's lock (1970500019, hashtext(user id)) and wrote the base only after the insert's
-- delete had run, so its base missed that task. 16 fast runs then deciding on a bound 16 below the cap were all
-- admitted, one past it [queued-limit-adversarial.test.ts]. Now:
-- - a run that may rebuild the base tries that lock (without waiting, as before) BEFORE it counts, and writes the
--   base only if it got it, so it holds the lock from before its count's snapshot until its commit;
-- - an insert with no limit deletes the user's base through user_queue_bounds_forget below, which takes the same
--   lock, waiting, and then deletes with a snapshot of its own (the statement's own would not see a base committed
--   while it waited).
-- So such an insert commits either before a rebuilding run gets the lock (the run's count holds its task) or after
-- that run commits (and then deletes the base it wrote), and a run that finds the lock held by it writes no base:
-- every insert committed after a base's snapshot is recorded in a stripe row or leaves the user with no base, as
-- 019's invariant needs.
-- Deadlocks: the insert waits for the lock holding its job (KEY SHARE) and, in a scheduler pass, its due jobs and
-- the base locks of the users before this one in user_open_tasks_locked's order (hash, then id). A holder of the
-- lock is a fast run that already holds its job, waits for no job and no base lock (it only tries one), and for no
-- base row (only a holder of the lock writes or deletes one, besides 012 under the exclusive gate, never in flight
-- beside a fast run): no cycle. (Two sends of one run's id, one with a limit and one without, could each wait for
-- the other, the one's insert for the other's, the other for the lock: PostgreSQL fails one. Only a resend after a
-- lost answer across a deploy switching the limit can do that.)
CREATE OR REPLACE FUNCTION user_open_tasks_admitting(owner uuid, queued_cap integer)
    RETURNS integer
    LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    stripes CONSTANT integer := 16;
    gate CONSTANT integer := hashtext(owner::text);
    start integer := floor(random() * stripes)::integer;
    lane integer := start;
    striped boolean := false;
    bound bigint;
    open_tasks integer;
    recorded bigint;
    rebuilding boolean := false;
BEGIN
    PERFORM pg_advisory_xact_lock_shared(1970500012, gate);
    FOR i IN 0 .. stripes - 1 LOOP
        IF pg_try_advisory_xact_lock(1970500018, hashtext(owner::text || '/' || ((start + i) % stripes))) THEN
            lane := (start + i) % stripes;
            striped := true;
            EXIT;
        END IF;
    END LOOP;
    IF NOT striped THEN
        PERFORM pg_advisory_xact_lock(1970500018, hashtext(owner::text || '/' || start));
    END IF;
    -- NULL without a base.
    bound := (SELECT CASE WHEN bool_or(b.stripe = -1) THEN sum(b.tasks) END
                FROM user_queue_bounds b WHERE b.user_id = owner);
    IF bound IS NULL OR bound + stripes > queued_cap THEN
        -- Whether this run writes the base, settled before it counts (migration 020's comment says why).
        rebuilding := pg_try_advisory_xact_lock(1970500019, gate);
        -- The count and the stripe rows in one statement: one snapshot.
        SELECT count(*), (SELECT coalesce(sum(b.tasks), 0) FROM user_queue_bounds b
                           WHERE b.user_id = owner AND b.stripe >= 0)
          INTO open_tasks, recorded
          FROM tasks t WHERE t.user_id = owner AND t.status IN ('created', 'processing') AND NOT t.is_deleted;
        IF open_tasks + stripes > queued_cap THEN
            IF NOT pg_try_advisory_xact_lock(1970500012, gate) THEN
                RETURN NULL;
            END IF;
            -- Nobody else in flight now, but some may have committed since the count above.
            SELECT count(*), (SELECT coalesce(sum(b.tasks), 0) FROM user_queue_bounds b
                               WHERE b.user_id = owner AND b.stripe >= 0)
              INTO open_tasks, recorded
              FROM tasks t WHERE t.user_id = owner AND t.status IN ('created', 'processing') AND NOT t.is_deleted;
        END IF;
        -- One run at a time writes the base (the row's lock is held to commit, and fast runs must not wait for
        -- each other); the others decide on their count all the same.
        IF rebuilding THEN
            INSERT INTO user_queue_bounds AS b (user_id, stripe, tasks) VALUES (owner, -1, open_tasks - recorded)
                ON CONFLICT (user_id, stripe) DO UPDATE SET tasks = excluded.tasks;
        END IF;
        bound := open_tasks;
    END IF;
    IF bound < queued_cap THEN
        INSERT INTO user_queue_bounds AS b (user_id, stripe, tasks) VALUES (owner, lane, 1)
            ON CONFLICT (user_id, stripe) DO UPDATE SET tasks = b.tasks + 1;
    END IF;
    RETURN bound;
END;
$$;

-- Deletes the base of each user in `owners`, with that user's base lock (above) held until commit. Users in
-- user_open_tasks_locked's order, each key once, so two such statements cannot deadlock. Returns the bases deleted.
CREATE OR REPLACE FUNCTION user_queue_bounds_forget(owners uuid[])
    RETURNS integer
    LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    owner uuid;
    deleted integer := 0;
    one integer;
BEGIN
    FOR owner IN SELECT o FROM (SELECT DISTINCT o FROM unnest(owners) AS o WHERE o IS NOT NULL) AS d
                  ORDER BY hashtext(o::text), o LOOP
        PERFORM pg_advisory_xact_lock(1970500019, hashtext(owner::text));
        DELETE FROM user_queue_bounds b WHERE b.user_id = owner AND b.stripe = -1;
        GET DIAGNOSTICS one = ROW_COUNT;
        deleted := deleted + one;
    END LOOP;
    RETURN deleted;
END;
$$;

-- Down Migration
DROP FUNCTION IF EXISTS user_queue_bounds_forget(uuid[]);

CREATE OR REPLACE FUNCTION user_open_tasks_admitting(owner uuid, queued_cap integer)
    RETURNS integer
    LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    stripes CONSTANT integer := 16;
    gate CONSTANT integer := hashtext(owner::text);
    start integer := floor(random() * stripes)::integer;
    lane integer := start;
    striped boolean := false;
    bound bigint;
    open_tasks integer;
    recorded bigint;
BEGIN
    PERFORM pg_advisory_xact_lock_shared(1970500012, gate);
    FOR i IN 0 .. stripes - 1 LOOP
        IF pg_try_advisory_xact_lock(1970500018, hashtext(owner::text || '/' || ((start + i) % stripes))) THEN
            lane := (start + i) % stripes;
            striped := true;
            EXIT;
        END IF;
    END LOOP;
    IF NOT striped THEN
        PERFORM pg_advisory_xact_lock(1970500018, hashtext(owner::text || '/' || start));
    END IF;
    -- NULL without a base.
    bound := (SELECT CASE WHEN bool_or(b.stripe = -1) THEN sum(b.tasks) END
                FROM user_queue_bounds b WHERE b.user_id = owner);
    IF bound IS NULL OR bound + stripes > queued_cap THEN
        -- The count and the stripe rows in one statement: one snapshot.
        SELECT count(*), (SELECT coalesce(sum(b.tasks), 0) FROM user_queue_bounds b
                           WHERE b.user_id = owner AND b.stripe >= 0)
          INTO open_tasks, recorded
          FROM tasks t WHERE t.user_id = owner AND t.status IN ('created', 'processing') AND NOT t.is_deleted;
        IF open_tasks + stripes > queued_cap THEN
            IF NOT pg_try_advisory_xact_lock(1970500012, gate) THEN
                RETURN NULL;
            END IF;
            -- Nobody else in flight now, but some may have committed since the count above.
            SELECT count(*), (SELECT coalesce(sum(b.tasks), 0) FROM user_queue_bounds b
                               WHERE b.user_id = owner AND b.stripe >= 0)
              INTO open_tasks, recorded
              FROM tasks t WHERE t.user_id = owner AND t.status IN ('created', 'processing') AND NOT t.is_deleted;
        END IF;
        -- One run at a time writes the base (the row's lock is held to commit, and fast runs must not wait for
        -- each other); the others decide on their count all the same.
        IF pg_try_advisory_xact_lock(1970500019, gate) THEN
            INSERT INTO user_queue_bounds AS b (user_id, stripe, tasks) VALUES (owner, -1, open_tasks - recorded)
                ON CONFLICT (user_id, stripe) DO UPDATE SET tasks = excluded.tasks;
        END IF;
        bound := open_tasks;
    END IF;
    IF bound < queued_cap THEN
        INSERT INTO user_queue_bounds AS b (user_id, stripe, tasks) VALUES (owner, lane, 1)
            ON CONFLICT (user_id, stripe) DO UPDATE SET tasks = b.tasks + 1;
    END IF;
    RETURN bound;
END;
$$;
