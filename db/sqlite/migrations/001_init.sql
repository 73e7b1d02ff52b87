-- Speakers, outlets and quotes: the foundation of the archive.
--
-- Public IDs are opaque text; quotes also keep an integer seq (the rowid) because
-- the full-text index and keyset pagination want a compact, monotonic key.

CREATE TABLE speakers (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    wikidata_qid TEXT UNIQUE,
    description  TEXT NOT NULL DEFAULT '',
    anonymous    INTEGER NOT NULL DEFAULT 0 CHECK (anonymous IN (0, 1)),
    name_key     TEXT NOT NULL,
    version      INTEGER NOT NULL DEFAULT 1,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX speakers_name_key ON speakers (name_key, id);

-- Every name a speaker is known by (the canonical name included), folded for
-- case- and punctuation-insensitive lookup. ord keeps aliases in the order given.
CREATE TABLE speaker_names (
    speaker_id TEXT NOT NULL REFERENCES speakers (id) ON DELETE CASCADE,
    ord        INTEGER NOT NULL, -- 0 is the canonical name, 1.. the aliases
    name       TEXT NOT NULL,
    name_key   TEXT NOT NULL,
    PRIMARY KEY (speaker_id, ord)
);
CREATE INDEX speaker_names_key ON speaker_names (name_key);

CREATE TABLE outlets (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    name_key   TEXT NOT NULL UNIQUE,
    url        TEXT,
    version    INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE quotes (
    seq            INTEGER PRIMARY KEY,
    id             TEXT NOT NULL UNIQUE,
    text           TEXT NOT NULL,
    speaker_id     TEXT NOT NULL REFERENCES speakers (id) ON DELETE RESTRICT,
    speaker_role   TEXT,
    said_on        TEXT, -- YYYY-MM-DD; NULL when the date is unknown
    date_precision TEXT CHECK (date_precision IN ('day', 'month', 'year')),
    outlet_id      TEXT REFERENCES outlets (id) ON DELETE RESTRICT,
    context        TEXT,
    setting        TEXT CHECK (setting IN ('interview', 'speech', 'press_conference', 'statement', 'social_post', 'document', 'other')),
    lang           TEXT,
    source_url     TEXT,
    tags           TEXT NOT NULL DEFAULT '[]', -- JSON array, the order as given; quote_tags indexes it
    attribution    TEXT NOT NULL DEFAULT 'unverified',
    rating         TEXT,
    version        INTEGER NOT NULL DEFAULT 1,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
-- Undated quotes sort as the earliest: coalesce keeps the keyset total.
CREATE INDEX quotes_said_on ON quotes (coalesce(said_on, ''), seq);
CREATE INDEX quotes_speaker ON quotes (speaker_id, coalesce(said_on, ''), seq);
CREATE INDEX quotes_outlet ON quotes (outlet_id, coalesce(said_on, ''), seq);

CREATE TABLE quote_tags (
    quote_seq INTEGER NOT NULL REFERENCES quotes (seq) ON DELETE CASCADE,
    tag       TEXT NOT NULL,
    PRIMARY KEY (tag, quote_seq)
) WITHOUT ROWID;
CREATE INDEX quote_tags_quote ON quote_tags (quote_seq);
