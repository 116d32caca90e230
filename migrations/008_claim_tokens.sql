-- Up Migration
-- A claim's token: the worker picks one per claim call and the claim stamps it on every task it takes, so a claim
-- sent again after its answer was lost reads back the tasks the first send took instead of taking (and burning an
-- attempt of) more.
ALTER TABLE tasks ADD COLUMN IF NOT EXISTS claim_token UUID;
CREATE INDEX IF NOT EXISTS idx_tasks_claim_token ON tasks (claim_token) WHERE claim_token IS NOT NULL;

-- Down Migration
DROP INDEX IF EXISTS idx_tasks_claim_token;
ALTER TABLE tasks DROP COLUMN IF EXISTS claim_token;
