-- Up Migration
-- The seed schema of the original service (jobs and tasks), kept exactly: names of tables, columns, constraints,
-- indexes and triggers are a contract. Every statement stands alone (the RDS Data API runs one per call) and is
-- idempotent, so re-running it changes nothing.

CREATE TABLE IF NOT EXISTS jobs (
    id                UUID         PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id           UUID         NOT NULL,
    status            VARCHAR(20)  NOT NULL DEFAULT 'created',
    payload           JSONB        NOT NULL DEFAULT '{}'::jsonb,
    job_type          VARCHAR(100) NOT NULL,
    schedule_interval JSONB        NOT NULL DEFAULT '{"type": "manual"}'::jsonb,
    max_retries       INTEGER      NOT NULL DEFAULT 3,
    priority          INTEGER      NOT NULL DEFAULT 50,
    is_deleted        BOOLEAN      NOT NULL DEFAULT FALSE,
    created_at        TIMESTAMPTZ  NOT NULL DEFAULT NOW(),
    updated_at        TIMESTAMPTZ  NOT NULL DEFAULT NOW(),
    version           BIGINT       NOT NULL DEFAULT 1,
    CONSTRAINT chk_jobs_status CHECK (status IN ('created', 'processing', 'completed', 'failed', 'cancelled')),
    CONSTRAINT chk_jobs_priority CHECK (priority >= 0 AND priority <= 100),
    CONSTRAINT chk_jobs_max_retries CHECK (max_retries >= 0)
);

CREATE TABLE IF NOT EXISTS tasks (
    id         UUID        PRIMARY KEY DEFAULT gen_random_uuid(),
    job_id     UUID        NOT NULL,
    status     VARCHAR(20) NOT NULL DEFAULT 'created',
    payload    JSONB       NOT NULL DEFAULT '{}'::jsonb,
    result     TEXT,
    is_deleted BOOLEAN     NOT NULL DEFAULT FALSE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    version    BIGINT      NOT NULL DEFAULT 1,
    CONSTRAINT fk_tasks_job_id FOREIGN KEY (job_id) REFERENCES jobs (id) ON DELETE CASCADE,
    CONSTRAINT chk_tasks_status CHECK (status IN ('created', 'processing', 'completed', 'failed', 'cancelled'))
);

CREATE INDEX IF NOT EXISTS idx_jobs_user_id ON jobs (user_id);
CREATE INDEX IF NOT EXISTS idx_jobs_status ON jobs (status);
CREATE INDEX IF NOT EXISTS idx_jobs_created_at ON jobs (created_at);
CREATE INDEX IF NOT EXISTS idx_jobs_priority ON jobs (priority);
CREATE INDEX IF NOT EXISTS idx_jobs_is_deleted ON jobs (is_deleted);
CREATE INDEX IF NOT EXISTS idx_jobs_user_status ON jobs (user_id, status);
CREATE INDEX IF NOT EXISTS idx_jobs_status_priority ON jobs (status, priority);
CREATE INDEX IF NOT EXISTS idx_jobs_created_status ON jobs (created_at, status);

CREATE INDEX IF NOT EXISTS idx_tasks_job_id ON tasks (job_id);
CREATE INDEX IF NOT EXISTS idx_tasks_status ON tasks (status);
CREATE INDEX IF NOT EXISTS idx_tasks_created_at ON tasks (created_at);
CREATE INDEX IF NOT EXISTS idx_tasks_is_deleted ON tasks (is_deleted);
CREATE INDEX IF NOT EXISTS idx_tasks_job_status ON tasks (job_id, status);

-- Keeps updated_at true on every UPDATE, whoever writes the row.
CREATE OR REPLACE FUNCTION update_updated_at_column() RETURNS TRIGGER AS $$
BEGIN
    NEW.updated_at = NOW();
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE TRIGGER update_jobs_updated_at
    BEFORE UPDATE ON jobs
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

CREATE OR REPLACE TRIGGER update_tasks_updated_at
    BEFORE UPDATE ON tasks
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

-- Down Migration
DROP TRIGGER IF EXISTS update_tasks_updated_at ON tasks;
DROP TRIGGER IF EXISTS update_jobs_updated_at ON jobs;
DROP FUNCTION IF EXISTS update_updated_at_column();
DROP TABLE IF EXISTS tasks;
DROP TABLE IF EXISTS jobs;
