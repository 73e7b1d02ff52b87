-- Bulk loads: who loaded which file when, and the line ranges of the batches each
-- committed (for --resume). The audit of what a load created points here.
CREATE TABLE loads (
    id             TEXT PRIMARY KEY,
    actor          TEXT NOT NULL,
    source         TEXT NOT NULL,
    format         TEXT NOT NULL,
    size           INTEGER,
    sha256         TEXT,
    state          TEXT NOT NULL CHECK (state IN ('running', 'done', 'failed')),
    started_at     TEXT NOT NULL,
    finished_at    TEXT,
    created        INTEGER NOT NULL DEFAULT 0,
    updated        INTEGER NOT NULL DEFAULT 0,
    unchanged      INTEGER NOT NULL DEFAULT 0,
    rejected       INTEGER NOT NULL DEFAULT 0,
    batches        INTEGER NOT NULL DEFAULT 0,
    first_quote_id TEXT,
    last_quote_id  TEXT
) WITHOUT ROWID;
CREATE INDEX loads_resume ON loads (actor, source, format, state);

CREATE TABLE load_batches (
    load_id    TEXT NOT NULL REFERENCES loads (id) ON DELETE CASCADE,
    first_line INTEGER NOT NULL,
    last_line  INTEGER NOT NULL,
    PRIMARY KEY (load_id, first_line)
) WITHOUT ROWID;
