-- Outlets are found by aliases too, as speakers are: a merged outlet's name lives on as an
-- alias of the outlet it was merged into. Every name and alias is one outlet's.
CREATE TABLE outlet_names (
    outlet_id TEXT NOT NULL REFERENCES outlets (id) ON DELETE CASCADE,
    ord       INTEGER NOT NULL, -- 0 is the canonical name, 1.. the aliases
    name      TEXT NOT NULL,
    name_key  TEXT NOT NULL UNIQUE,
    PRIMARY KEY (outlet_id, ord)
) WITHOUT ROWID;
INSERT INTO outlet_names (outlet_id, ord, name, name_key) SELECT id, 0, name, name_key FROM outlets;

-- A merge folds one speaker or outlet into another. The merged record and the survivor as
-- they were are kept, so that an admin can undo the merge while the survivor is as the
-- merge left it (survivor_version).
CREATE TABLE merges (
    id               TEXT PRIMARY KEY,
    kind             TEXT NOT NULL CHECK (kind IN ('speaker', 'outlet')),
    from_id          TEXT NOT NULL,
    into_id          TEXT NOT NULL,
    reason           TEXT NOT NULL DEFAULT '',
    merged           TEXT NOT NULL, -- JSON: the merged record as it was
    survivor         TEXT NOT NULL, -- JSON: the survivor before the merge
    survivor_version INTEGER NOT NULL,
    moved            INTEGER NOT NULL,
    repointed        TEXT NOT NULL DEFAULT '[]', -- JSON: merged IDs whose redirects went to from_id
    merged_by        TEXT NOT NULL,
    merged_at        TEXT NOT NULL,
    undone_by        TEXT,
    undone_at        TEXT
);
CREATE INDEX merges_from ON merges (from_id);
CREATE INDEX merges_into ON merges (into_id);

-- The quotes a merge moved, to move them back on undo.
CREATE TABLE merge_moves (
    merge_id  TEXT NOT NULL REFERENCES merges (id) ON DELETE CASCADE,
    quote_seq INTEGER NOT NULL,
    PRIMARY KEY (merge_id, quote_seq)
) WITHOUT ROWID;

-- A merged ID answers with a redirect to its survivor, for ever: chains are kept one hop
-- long (merging B into C re-points A → B to A → C).
CREATE TABLE redirects (
    from_id  TEXT PRIMARY KEY,
    to_id    TEXT NOT NULL,
    kind     TEXT NOT NULL CHECK (kind IN ('speaker', 'outlet')),
    merge_id TEXT NOT NULL REFERENCES merges (id)
) WITHOUT ROWID;
CREATE INDEX redirects_to ON redirects (to_id);

-- Pairs a person said are not duplicates: never suggested again. a_id < b_id.
CREATE TABLE duplicate_dismissals (
    kind         TEXT NOT NULL CHECK (kind IN ('speaker', 'outlet')),
    a_id         TEXT NOT NULL,
    b_id         TEXT NOT NULL,
    dismissed_by TEXT NOT NULL,
    dismissed_at TEXT NOT NULL,
    PRIMARY KEY (kind, a_id, b_id)
) WITHOUT ROWID;

-- A merge event names the survivor beside the merged ID.
ALTER TABLE webhook_events ADD COLUMN into_id TEXT;
