-- A quote's appearances: the places its words were printed or broadcast again — a re-report,
-- with the words as printed there and their drift from the quote's. The quote's own record
-- (said on, outlet, source URL) is the original. A suggested appearance is a link a
-- fact-checker has still to confirm or reject; when the words were recorded as a quote of
-- their own (linked_quote), confirming the link folds that quote into this one.
CREATE TABLE appearances (
    seq            INTEGER PRIMARY KEY,
    id             TEXT NOT NULL UNIQUE,
    quote_seq      INTEGER NOT NULL REFERENCES quotes (seq) ON DELETE CASCADE,
    url            TEXT,
    outlet_id      TEXT REFERENCES outlets (id) ON DELETE RESTRICT,
    published_on   TEXT, -- YYYY-MM-DD
    date_precision TEXT CHECK (date_precision IN ('day', 'month', 'year')),
    words          TEXT NOT NULL,
    start_offset   INTEGER,
    end_offset     INTEGER,
    via            TEXT NOT NULL CHECK (via IN ('appearance', 'record', 'extraction', 'import', 'claimreview', 'merge')),
    match          TEXT NOT NULL CHECK (match IN ('exact', 'folded', 'near', 'hand')),
    score          REAL,
    state          TEXT NOT NULL CHECK (state IN ('suggested', 'confirmed', 'rejected')),
    drift          TEXT NOT NULL CHECK (drift IN ('identical', 'typographic', 'fragment', 'minor', 'altered')),
    linked_quote   TEXT,
    external_id    TEXT,
    note           TEXT,
    reviewed_by    TEXT,
    reviewed_at    TEXT,
    created_by     TEXT NOT NULL,
    version        INTEGER NOT NULL DEFAULT 1,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE INDEX appearances_quote ON appearances (quote_seq, seq);
CREATE INDEX appearances_suggested ON appearances (seq) WHERE state = 'suggested';
CREATE INDEX appearances_outlet ON appearances (outlet_id, quote_seq) WHERE state = 'confirmed';
CREATE INDEX appearances_linked ON appearances (linked_quote) WHERE linked_quote IS NOT NULL;
CREATE UNIQUE INDEX appearances_external ON appearances (external_id) WHERE external_id IS NOT NULL;

-- What the chain says of a quote, kept by the core whenever an appearance changes: the
-- counts search filters on, the first appearance (pinned, or the earliest confirmed) and
-- the earliest date the words are known from, which "first seen" sorts by.
ALTER TABLE quotes ADD COLUMN appearance_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE quotes ADD COLUMN drift_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE quotes ADD COLUMN suggested_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE quotes ADD COLUMN first_appearance TEXT;
ALTER TABLE quotes ADD COLUMN appeared_first TEXT; -- the earliest confirmed appearance's date
-- A fact-checker's pin of the first appearance, with the reason: JSON, versioned with the quote.
ALTER TABLE quotes ADD COLUMN first_appearance_pin TEXT;
CREATE INDEX quotes_first_seen ON quotes (coalesce(nullif(min(coalesce(said_on, '~'), coalesce(appeared_first, '~')), '~'), ''), seq);
CREATE INDEX quotes_drifted ON quotes (seq) WHERE drift_count > 0;

-- Quotes merge too (a confirmed link folds one into another): merges and redirects take
-- the kind. SQLite cannot alter a CHECK, so the three tables are made again.
CREATE TABLE merges_next (
    id               TEXT PRIMARY KEY,
    kind             TEXT NOT NULL CHECK (kind IN ('speaker', 'outlet', 'quote')),
    from_id          TEXT NOT NULL,
    into_id          TEXT NOT NULL,
    reason           TEXT NOT NULL DEFAULT '',
    merged           TEXT NOT NULL,
    survivor         TEXT NOT NULL,
    survivor_version INTEGER NOT NULL,
    moved            INTEGER NOT NULL,
    repointed        TEXT NOT NULL DEFAULT '[]',
    merged_by        TEXT NOT NULL,
    merged_at        TEXT NOT NULL,
    undone_by        TEXT,
    undone_at        TEXT
);
INSERT INTO merges_next SELECT id, kind, from_id, into_id, reason, merged, survivor, survivor_version, moved, repointed,
    merged_by, merged_at, undone_by, undone_at FROM merges;
CREATE TABLE merge_moves_next (
    merge_id  TEXT NOT NULL REFERENCES merges_next (id) ON DELETE CASCADE,
    quote_seq INTEGER NOT NULL,
    PRIMARY KEY (merge_id, quote_seq)
) WITHOUT ROWID;
INSERT INTO merge_moves_next SELECT merge_id, quote_seq FROM merge_moves;
CREATE TABLE redirects_next (
    from_id  TEXT PRIMARY KEY,
    to_id    TEXT NOT NULL,
    kind     TEXT NOT NULL CHECK (kind IN ('speaker', 'outlet', 'quote')),
    merge_id TEXT NOT NULL REFERENCES merges_next (id)
) WITHOUT ROWID;
INSERT INTO redirects_next SELECT from_id, to_id, kind, merge_id FROM redirects;
DROP TABLE redirects;
DROP TABLE merge_moves;
DROP TABLE merges;
ALTER TABLE merges_next RENAME TO merges;
ALTER TABLE merge_moves_next RENAME TO merge_moves;
ALTER TABLE redirects_next RENAME TO redirects;
CREATE INDEX merges_from ON merges (from_id);
CREATE INDEX merges_into ON merges (into_id);
CREATE INDEX redirects_to ON redirects (to_id);

-- A verdict moves with its quote when a confirmed link folds the quote into another, and
-- back when the merge is undone; nothing else of it ever changes.
DROP TRIGGER verdicts_append_only_update;
CREATE TRIGGER verdicts_append_only_update
BEFORE UPDATE OF seq, id, attribution, rating, summary, reviewed_by, supersedes, created_at ON verdicts
BEGIN
    SELECT RAISE(ABORT, 'verdicts are append-only');
END;
