-- Up Migration
-- USER_MAX_QUEUED without serialising one user's runs. user_open_tasks_locked (migration 012) holds the user's
-- queued-cap lock (1970500012, hashtext(user id)) exclusively until the insert commits, so one user's runs commit
-- one after another. The function below admits ONE task, far from the cap, with that lock held SHARED (the gate)
-- plus one of K = 16 stripe locks (1970500018, hashtext(user id || '/' || s)), a key space of its own: up to K
-- runs of a user are then in flight at once, and commit together.
--
-- It counts the user's open tasks as 012 does (a fresh snapshot, through idx_tasks_user_open), after both locks
-- are granted, and admits when count + K <= cap. Why that holds the cap exactly: at any moment, take the committed
-- insert A whose count snapshot is the latest. Every insert committed after that snapshot had taken it before
-- (A's is the latest), so it was in flight at it, between its locks and its commit. If A went through 012 or the
-- escalation below, it held the gate exclusively then: nobody else was in flight and its count was exact, so
-- count + 1 <= cap. Otherwise A held the gate shared, which excludes every exclusive holder, so those in flight were
-- fast inserts, each holding a stripe (taken before its snapshot): at most K, A included, one task each, so the
-- total is at most (cap - K) + K. Only inserts open tasks; anything else can only lower the total.
--
-- Near the cap it tries to take the gate exclusively too, without waiting (PostgreSQL grants it while no other
-- transaction holds or waits for it; this one's shared hold does not conflict): granted, it counts again, exactly,
-- as 012 would. Not granted, it returns NULL, undecided: the caller sends the exact path (012) instead, which waits
-- its turn. It never waits for the exclusive gate while holding it shared (two such would deadlock). It waits for a
-- stripe only when all K are busy, and then for one only, holding none: holders of a stripe wait for no stripe, so
-- no cycle forms. 012's callers (scheduler passes, occurrence notices) are unchanged: their exclusive lock waits for
-- every fast insert in flight and keeps new ones out until they commit.
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

-- Down Migration
DROP FUNCTION IF EXISTS user_open_tasks_admitting(uuid, integer);
