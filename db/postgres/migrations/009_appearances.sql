-- A quote's appearances: the places its words were printed or broadcast again — a re-report,
-- with the words as printed there and their drift from the quote's. The quote's own record
-- (said on, outlet, source URL) is the original. A suggested appearance is a link a
-- fact-checker has still to confirm or reject; when the words were recorded as a quote of
-- their own (linked_quote), confirming the link folds that quote into this one.
CREATE TABLE appearances (
    seq            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id             text COLLATE "C" NOT NULL UNIQUE,
    quote_seq      bigint NOT NULL REFERENCES quotes (seq) ON DELETE CASCADE,
    url            text,
    outlet_id      text COLLATE "C" REFERENCES outlets (id) ON DELETE RESTRICT,
    published_on   date,
    date_precision text CHECK (date_precision IN ('day', 'month', 'year')),
    words          text NOT NULL,
    start_offset   integer,
    end_offset     integer,
    via            text NOT NULL CHECK (via IN ('appearance', 'record', 'extraction', 'import', 'claimreview', 'merge')),
    match          text NOT NULL CHECK (match IN ('exact', 'folded', 'near', 'hand')),
    score          double precision,
    state          text NOT NULL CHECK (state IN ('suggested', 'confirmed', 'rejected')),
    drift          text NOT NULL CHECK (drift IN ('identical', 'typographic', 'fragment', 'minor', 'altered')),
    linked_quote   text COLLATE "C",
    external_id    text COLLATE "C",
    note           text,
    reviewed_by    text,
    reviewed_at    timestamptz,
    created_by     text NOT NULL,
    version        bigint NOT NULL DEFAULT 1,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL
);
CREATE INDEX appearances_quote ON appearances (quote_seq, seq);
CREATE INDEX appearances_suggested ON appearances (seq) WHERE state = 'suggested';
CREATE INDEX appearances_outlet ON appearances (outlet_id, quote_seq) WHERE state = 'confirmed';
CREATE INDEX appearances_linked ON appearances (linked_quote) WHERE linked_quote IS NOT NULL;
CREATE UNIQUE INDEX appearances_external ON appearances (external_id) WHERE external_id IS NOT NULL;

-- What the chain says of a quote, kept by the core whenever an appearance changes: the
-- counts search filters on, the first appearance (pinned, or the earliest confirmed) and
-- the earliest date the words are known from, which "first seen" sorts by.
ALTER TABLE quotes ADD COLUMN appearance_count integer NOT NULL DEFAULT 0,
    ADD COLUMN drift_count integer NOT NULL DEFAULT 0,
    ADD COLUMN suggested_count integer NOT NULL DEFAULT 0,
    ADD COLUMN first_appearance text COLLATE "C",
    ADD COLUMN appeared_first date,
    ADD COLUMN first_appearance_pin text; -- JSON, versioned with the quote
CREATE INDEX quotes_first_seen ON quotes ((coalesce(least(said_on, appeared_first), '-infinity'::date)), seq);
CREATE INDEX quotes_drifted ON quotes (seq) WHERE drift_count > 0;

-- Quotes merge too (a confirmed link folds one into another).
ALTER TABLE merges DROP CONSTRAINT merges_kind_check,
    ADD CONSTRAINT merges_kind_check CHECK (kind IN ('speaker', 'outlet', 'quote'));
ALTER TABLE redirects DROP CONSTRAINT redirects_kind_check,
    ADD CONSTRAINT redirects_kind_check CHECK (kind IN ('speaker', 'outlet', 'quote'));

-- A verdict moves with its quote when a confirmed link folds the quote into another, and
-- back when the merge is undone; nothing else of it ever changes.
DROP TRIGGER verdicts_append_only ON verdicts;
CREATE TRIGGER verdicts_append_only
    BEFORE UPDATE OF seq, id, attribution, rating, summary, reviewed_by, supersedes, created_at ON verdicts
    FOR EACH ROW EXECUTE FUNCTION verbatim_append_only();
