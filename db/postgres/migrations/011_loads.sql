-- Bulk loads: who loaded which file when, and the line ranges of the batches each
-- committed (for --resume). The audit of what a load created points here.
CREATE TABLE loads (
    id             text COLLATE "C" PRIMARY KEY,
    actor          text NOT NULL,
    source         text NOT NULL,
    format         text NOT NULL,
    size           bigint,
    sha256         text,
    state          text NOT NULL CHECK (state IN ('running', 'done', 'failed')),
    started_at     timestamptz NOT NULL,
    finished_at    timestamptz,
    created        bigint NOT NULL DEFAULT 0,
    updated        bigint NOT NULL DEFAULT 0,
    unchanged      bigint NOT NULL DEFAULT 0,
    rejected       bigint NOT NULL DEFAULT 0,
    batches        bigint NOT NULL DEFAULT 0,
    first_quote_id text COLLATE "C",
    last_quote_id  text COLLATE "C"
);
CREATE INDEX loads_resume ON loads (actor, source, format, state);

CREATE TABLE load_batches (
    load_id    text COLLATE "C" NOT NULL REFERENCES loads (id) ON DELETE CASCADE,
    first_line bigint NOT NULL,
    last_line  bigint NOT NULL,
    PRIMARY KEY (load_id, first_line)
);
