-- Up Migration
-- In AWS a job's occurrences travel as a chain of SQS messages, one per occurrence. The message that advanced a
-- job's next_run_at is recorded here so that, redelivered after its worker died before sending the next link, it
-- can recognise itself and send that link again, while a duplicate of it (another message id) is dropped.
ALTER TABLE jobs ADD COLUMN IF NOT EXISTS occurrence_message_id text;

-- Down Migration
ALTER TABLE jobs DROP COLUMN IF EXISTS occurrence_message_id;
