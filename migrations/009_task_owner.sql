-- Up Migration
-- Each task carries its owner's id (the job's user_id, which never changes). Per-user rules read it without joining
-- jobs: fair dispatch across users, per-user limits on running and queued tasks, and per-user activity statistics,
-- each through an index that leads with user_id. The service's own inserts set it; the trigger fills it for any
-- other writer that inserts with the seed's columns only, so the seed contract's inserts keep working.
ALTER TABLE tasks ADD COLUMN IF NOT EXISTS user_id UUID;

UPDATE tasks t SET user_id = j.user_id FROM jobs j WHERE j.id = t.job_id AND t.user_id IS NULL;

CREATE OR REPLACE FUNCTION tasks_fill_user_id() RETURNS trigger AS $$
BEGIN
    IF NEW.user_id IS NULL THEN
        SELECT user_id INTO NEW.user_id FROM jobs WHERE id = NEW.job_id;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS tasks_fill_user_id ON tasks;
CREATE TRIGGER tasks_fill_user_id BEFORE INSERT ON tasks
    FOR EACH ROW EXECUTE FUNCTION tasks_fill_user_id();

-- No NOT NULL: a task whose job does not exist must still be refused by the foreign key (23503), as the seed's
-- schema does, not by a not-null check first. Every stored task has a job, so the trigger always finds the owner.

-- Down Migration
DROP TRIGGER IF EXISTS tasks_fill_user_id ON tasks;
DROP FUNCTION IF EXISTS tasks_fill_user_id();
ALTER TABLE tasks DROP COLUMN IF EXISTS user_id;
