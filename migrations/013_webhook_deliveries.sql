-- Up Migration
-- Completion webhooks (Standard Webhooks). A job may name a URL; its secret is kept encrypted (AES-256-GCM, the
-- key outside the database: docs/architecture.md, "Webhooks"), because signing needs the secret itself — a hash
-- could not sign.
-- `webhook` is what the API shows ({"url"}); the secret is kept apart, encrypted.
ALTER TABLE jobs ADD COLUMN IF NOT EXISTS webhook JSONB;
ALTER TABLE jobs ADD COLUMN IF NOT EXISTS webhook_secret TEXT;

-- One delivery per task end: its id is the task's id, so every statement that ends a task inserts it with
-- ON CONFLICT DO NOTHING and a resend inserts nothing twice. No foreign keys on purpose: a key check would take a
-- KEY SHARE lock on the job from statements that must lock tasks only (docs/architecture.md, "Locks in one order").
CREATE TABLE IF NOT EXISTS webhook_deliveries (
    id UUID PRIMARY KEY,
    job_id UUID NOT NULL,
    user_id UUID NOT NULL,
    event_type TEXT NOT NULL CHECK (event_type IN ('task.completed', 'task.failed', 'task.cancelled')),
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_response_code INTEGER,
    last_error TEXT,
    next_attempt_at TIMESTAMPTZ DEFAULT now(),
    lease_owner TEXT,
    lease_expires_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished_at TIMESTAMPTZ
);

-- GET /jobs/{id}/deliveries: newest first, keyset on (created_at, id).
CREATE INDEX IF NOT EXISTS idx_webhook_deliveries_job_created_id
    ON webhook_deliveries (job_id, created_at DESC, id DESC);
-- The local pool's claim of due deliveries (in AWS a queue notice names each one instead).
CREATE INDEX IF NOT EXISTS idx_webhook_deliveries_due
    ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
-- A claim resent after a lost answer finds what it leased by its owner (the local pool, the notice path).
CREATE INDEX IF NOT EXISTS idx_webhook_deliveries_lease_owner
    ON webhook_deliveries (lease_owner) WHERE lease_owner IS NOT NULL;

-- Down Migration
DROP TABLE IF EXISTS webhook_deliveries;
ALTER TABLE jobs DROP COLUMN IF EXISTS webhook_secret;
ALTER TABLE jobs DROP COLUMN IF EXISTS webhook;
