-- Idempotency keys are the client's, so they are scoped to the API key that sent them:
-- another key's request under the same Idempotency-Key is its own. The request's hash
-- tells a retry (same body: the first answer replayed) from a mistake (another body: 422).
-- A row without a status is a request still running. Rows expire after a day.
DROP TABLE import_runs;
CREATE TABLE idempotency_keys (
    key_id       TEXT NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT,
    status       INTEGER,
    response     BLOB,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (key_id, key)
) WITHOUT ROWID;
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
