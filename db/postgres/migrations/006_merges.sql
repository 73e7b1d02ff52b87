-- Outlets are found by aliases too, as speakers are: a merged outlet's name lives on as an
-- alias of the outlet it was merged into. Every name and alias is one outlet's.
CREATE TABLE outlet_names (
    outlet_id text COLLATE "C" NOT NULL REFERENCES outlets (id) ON DELETE CASCADE,
    ord       integer NOT NULL, -- 0 is the canonical name, 1.. the aliases
    name      text NOT NULL,
    name_key  text COLLATE "C" NOT NULL UNIQUE,
    PRIMARY KEY (outlet_id, ord)
);
INSERT INTO outlet_names (outlet_id, ord, name, name_key) SELECT id, 0, name, name_key FROM outlets;

-- A merge folds one speaker or outlet into another. The merged record and the survivor as
-- they were are kept, so that an admin can undo the merge while the survivor is as the
-- merge left it (survivor_version).
CREATE TABLE merges (
    id               text COLLATE "C" PRIMARY KEY,
    kind             text NOT NULL CHECK (kind IN ('speaker', 'outlet')),
    from_id          text COLLATE "C" NOT NULL,
    into_id          text COLLATE "C" NOT NULL,
    reason           text NOT NULL DEFAULT '',
    merged           jsonb NOT NULL,
    survivor         jsonb NOT NULL,
    survivor_version bigint NOT NULL,
    moved            bigint NOT NULL,
    repointed        jsonb NOT NULL DEFAULT '[]',
    merged_by        text NOT NULL,
    merged_at        timestamptz NOT NULL,
    undone_by        text,
    undone_at        timestamptz
);
CREATE INDEX merges_from ON merges (from_id);
CREATE INDEX merges_into ON merges (into_id);

-- The quotes a merge moved, to move them back on undo.
CREATE TABLE merge_moves (
    merge_id  text COLLATE "C" NOT NULL REFERENCES merges (id) ON DELETE CASCADE,
    quote_seq bigint NOT NULL,
    PRIMARY KEY (merge_id, quote_seq)
);

-- A merged ID answers with a redirect to its survivor, for ever: chains are kept one hop
-- long (merging B into C re-points A → B to A → C).
CREATE TABLE redirects (
    from_id  text COLLATE "C" PRIMARY KEY,
    to_id    text COLLATE "C" NOT NULL,
    kind     text NOT NULL CHECK (kind IN ('speaker', 'outlet')),
    merge_id text COLLATE "C" NOT NULL REFERENCES merges (id)
);
CREATE INDEX redirects_to ON redirects (to_id);

-- Pairs a person said are not duplicates: never suggested again. a_id < b_id.
CREATE TABLE duplicate_dismissals (
    kind         text NOT NULL CHECK (kind IN ('speaker', 'outlet')),
    a_id         text COLLATE "C" NOT NULL,
    b_id         text COLLATE "C" NOT NULL,
    dismissed_by text NOT NULL,
    dismissed_at timestamptz NOT NULL,
    PRIMARY KEY (kind, a_id, b_id)
);

-- A merge event names the survivor beside the merged ID.
ALTER TABLE webhook_events ADD COLUMN into_id text;
