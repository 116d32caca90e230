-- Up Migration
-- USER_MAX_QUEUED's fast path (migration 018) without counting the user's open tasks on every run. The count (an
-- index scan with a heap visit per fresh row) grows with the user's open tasks; the function below keeps instead
-- an upper bound of them in a few small rows per user, read by primary key:
--   stripe 0..15: how many tasks were admitted through that stripe, ever (only ever grown, never by anyone but
--     the holder of the stripe's lock, so fast runs never wait for each other's row; reset only under the
--     exclusive gate, when no fast run is in flight);
--   stripe -1, the base: the user's open tasks as a fast run counted them, minus the sum of the stripe rows as
--     they stood in the SAME snapshot (one statement reads both).
-- Every fast run that admits a task adds 1 to its stripe's row in the transaction that inserts the task, so the
-- two commit together: a snapshot sees both or neither. Hence, at any later snapshot T while the base stands,
-- base + sum(stripe rows at T) = count at the base's snapshot S + the tasks admitted by fast runs committed after S,
-- which is >= the user's open tasks at T, provided every other insert committed after S leaves the user with no base:
-- user_open_tasks_locked (012, also replaced below) deletes the user's rows (it holds the gate exclusively, so it
-- cannot commit between S and the base's commit, and deletes any base committed before it), and an insert with no
-- limit (USER_MAX_QUEUED=0) deletes the user's base in its own statement (lambdas/sql/queued-limit.ts; one racing a
-- base being rebuilt, which only a deploy switching the limit on allows, may escape it until the next). Tasks that
-- end, are cancelled or deleted only lower the real count: the bound errs high, never low. A run that is admitted
-- but then inserts nothing (its id conflicts) has still added 1: the bound errs high again.
--
-- 018's exactness argument holds with "count" replaced by "bound": the bound at the latest admitting snapshot is
-- >= the committed open tasks then, fast runs in flight at it are at most 16, so bound + 16 <= cap keeps the cap.
--
-- Rebuilding the base needs no exclusive lock (a base from any snapshot taken under the shared gate is valid), so
-- a user with runs always in flight still gets one. It happens when there is none (the first run, or after 012 or
-- an unlimited insert) or the bound is too close to the cap: then the run counts exactly, as 018 did, writes the
-- base from that count, and decides on the count, near the cap as 018 (the gate exclusively if free and count
-- again, else NULL, undecided). A bound gone stale (tasks ended since) costs counts until a rebuilt base commits;
-- within 16 of the cap every run counts, as in 018.
-- Lock order as 018, then rows: the base, written only by the holder of a third lock (1970500019, hashtext(user id)),
-- taken without waiting, so no fast run waits for another's row (only for an unlimited insert's delete, which
-- waits for nothing a fast run holds), then the run's stripe row (never contended): no cycle.
CREATE TABLE IF NOT EXISTS user_queue_bounds (
    user_id uuid NOT NULL,
    stripe smallint NOT NULL,
    -- bigint: a stripe row only grows (until 012 deletes it), and the base is a count minus their sum.
    tasks bigint NOT NULL,
    PRIMARY KEY (user_id, stripe)
);

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

-- 012's exclusive count, unchanged but for deleting the user's rows: its caller may insert several tasks that no
-- row records, so the user is left with no base (the next fast run counts). Holding the gate exclusively, no fast
-- run is in flight: nothing to wait for, and resetting the stripe rows is safe.
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
        DELETE FROM user_queue_bounds b WHERE b.user_id = owner;
        RETURN NEXT;
    END LOOP;
END;
$$;

-- Down Migration
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

CREATE OR REPLACE FUNCTION user_open_tasks_admitting(owner uuid, queued_cap integer)
    RETURNS integer
    LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    stripes CONSTANT integer := 16;
    gate CONSTANT integer := hashtext(owner::text);
    start integer := floor(random() * stripes)::integer;
    striped boolean := false;
    open_tasks integer;
BEGIN
    PERFORM pg_advisory_xact_lock_shared(1970500012, gate);
    FOR i IN 0 .. stripes - 1 LOOP
        IF pg_try_advisory_xact_lock(1970500018, hashtext(owner::text || '/' || ((start + i) % stripes))) THEN
            striped := true;
            EXIT;
        END IF;
    END LOOP;
    IF NOT striped THEN
        PERFORM pg_advisory_xact_lock(1970500018, hashtext(owner::text || '/' || start));
    END IF;
    open_tasks := (SELECT count(*) FROM tasks t
                    WHERE t.user_id = owner AND t.status IN ('created', 'processing') AND NOT t.is_deleted);
    IF open_tasks + stripes <= queued_cap THEN
        RETURN open_tasks;
    END IF;
    IF pg_try_advisory_xact_lock(1970500012, gate) THEN
        RETURN (SELECT count(*) FROM tasks t
                 WHERE t.user_id = owner AND t.status IN ('created', 'processing') AND NOT t.is_deleted);
    END IF;
    RETURN NULL;
END;
$$;

DROP TABLE IF EXISTS user_queue_bounds;
