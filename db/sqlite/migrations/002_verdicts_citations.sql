-- Fact-checking: the sources behind a quote, and verdicts that rest on them.

CREATE TABLE citations (
    seq          INTEGER PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    quote_seq    INTEGER NOT NULL REFERENCES quotes (seq) ON DELETE CASCADE,
    url          TEXT NOT NULL,
    url_key      TEXT NOT NULL, -- the URL normalised, so one source is cited once per quote
    title        TEXT,
    publisher    TEXT,
    published_at TEXT, -- YYYY-MM-DD
    accessed_at  TEXT, -- YYYY-MM-DD
    archive_url  TEXT,
    excerpt      TEXT,
    relation     TEXT NOT NULL CHECK (relation IN ('primary', 'report', 'supports', 'refutes', 'context')),
    version      INTEGER NOT NULL DEFAULT 1,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    UNIQUE (quote_seq, url_key)
);

-- Verdicts are appended, never changed: the newest is the quote's current one and each
-- names the one it supersedes.
CREATE TABLE verdicts (
    seq         INTEGER PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    quote_seq   INTEGER NOT NULL REFERENCES quotes (seq) ON DELETE CASCADE,
    attribution TEXT NOT NULL CHECK (attribution IN ('unverified', 'verified', 'paraphrased', 'out_of_context', 'disputed', 'misattributed')),
    rating      TEXT CHECK (rating IN ('true', 'mostly_true', 'half_true', 'mostly_false', 'false', 'unproven', 'not_checkable')),
    summary     TEXT NOT NULL,
    reviewer    TEXT NOT NULL,
    supersedes  TEXT REFERENCES verdicts (id),
    created_at  TEXT NOT NULL
);
CREATE INDEX verdicts_quote ON verdicts (quote_seq, seq);

CREATE TRIGGER verdicts_append_only_update BEFORE UPDATE ON verdicts
BEGIN
    SELECT RAISE(ABORT, 'verdicts are append-only');
END;

CREATE TABLE verdict_citations (
    verdict_seq INTEGER NOT NULL REFERENCES verdicts (seq) ON DELETE CASCADE,
    ord         INTEGER NOT NULL,
    citation_id TEXT NOT NULL REFERENCES citations (id) ON DELETE CASCADE,
    PRIMARY KEY (verdict_seq, ord)
);
CREATE INDEX verdict_citations_citation ON verdict_citations (citation_id);

-- The quote points at its current verdict; the ClaimReview feed pages by it.
ALTER TABLE quotes ADD COLUMN verdict_seq INTEGER REFERENCES verdicts (seq);
CREATE INDEX quotes_verdict ON quotes (verdict_seq) WHERE verdict_seq IS NOT NULL;
