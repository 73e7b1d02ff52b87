-- Bulk import: a record's external key makes a re-import change nothing, and an
-- Idempotency-Key replays an import's first answer.
ALTER TABLE quotes ADD COLUMN external_id TEXT;
CREATE UNIQUE INDEX quotes_external_id ON quotes (external_id) WHERE external_id IS NOT NULL;

CREATE TABLE import_runs (
    key        TEXT PRIMARY KEY,
    result     TEXT NOT NULL,
    created_at TEXT NOT NULL
);
