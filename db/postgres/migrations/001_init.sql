-- The whole archive, as SQLite's migrations 1–10 left it, in PostgreSQL's own types.
--
-- IDs and folded name keys sort in the "C" collation, byte by byte as SQLite does, so
-- that lists page in the same order whatever the database's locale. Quotes also keep an
-- integer seq: the search index, keyset pagination and the tables hanging off a quote
-- want a compact, monotonic key.

CREATE TABLE speakers (
    id           text COLLATE "C" PRIMARY KEY,
    name         text NOT NULL,
    wikidata_qid text UNIQUE,
    description  text NOT NULL DEFAULT '',
    anonymous    boolean NOT NULL DEFAULT false,
    name_key     text COLLATE "C" NOT NULL,
    version      bigint NOT NULL DEFAULT 1,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL
);
CREATE INDEX speakers_name_key ON speakers (name_key, id);

-- Every name a speaker is known by (the canonical name first, ord 0), folded for
-- case- and punctuation-insensitive lookup.
CREATE TABLE speaker_names (
    speaker_id text COLLATE "C" NOT NULL REFERENCES speakers (id) ON DELETE CASCADE,
    ord        integer NOT NULL,
    name       text NOT NULL,
    name_key   text COLLATE "C" NOT NULL,
    PRIMARY KEY (speaker_id, ord)
);
CREATE INDEX speaker_names_key ON speaker_names (name_key);

CREATE TABLE outlets (
    id         text COLLATE "C" PRIMARY KEY,
    name       text NOT NULL,
    name_key   text COLLATE "C" NOT NULL UNIQUE,
    url        text,
    version    bigint NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

-- search holds the quote's words (weight A), its speaker's names (B) and its context
-- (C), tokenized and folded by Verbatim itself (package search), as SQLite's FTS5
-- tokenizer does them, so that both engines find the same quotes.
CREATE TABLE quotes (
    seq            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id             text COLLATE "C" NOT NULL UNIQUE,
    text           text NOT NULL,
    speaker_id     text COLLATE "C" NOT NULL REFERENCES speakers (id),
    speaker_role   text,
    said_on        date,
    date_precision text CHECK (date_precision IN ('day', 'month', 'year')),
    outlet_id      text COLLATE "C" REFERENCES outlets (id),
    context        text,
    setting        text CHECK (setting IN ('interview', 'speech', 'press_conference', 'statement', 'social_post', 'document', 'other')),
    lang           text,
    source_url     text,
    tags           text[] NOT NULL DEFAULT '{}',
    attribution    text NOT NULL DEFAULT 'unverified' CHECK (attribution IN ('unverified', 'verified', 'paraphrased', 'out_of_context', 'disputed', 'misattributed')),
    rating         text CHECK (rating IN ('true', 'mostly_true', 'half_true', 'mostly_false', 'false', 'unproven', 'not_checkable')),
    verdict_seq    bigint,
    created_by     text NOT NULL,
    version        bigint NOT NULL DEFAULT 1,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    external_id    text UNIQUE,
    extraction     jsonb,
    search         tsvector NOT NULL
);
-- Undated quotes sort as the earliest: coalesce keeps the keyset total.
CREATE INDEX quotes_said_on ON quotes ((coalesce(said_on, '-infinity'::date)), seq);
CREATE INDEX quotes_speaker ON quotes (speaker_id, (coalesce(said_on, '-infinity'::date)), seq);
CREATE INDEX quotes_outlet ON quotes (outlet_id, (coalesce(said_on, '-infinity'::date)), seq) WHERE outlet_id IS NOT NULL;
CREATE INDEX quotes_tags ON quotes USING gin (tags);
CREATE INDEX quotes_search ON quotes USING gin (search);

-- Fact-checking: the sources behind a quote, and verdicts that rest on them.
CREATE TABLE citations (
    seq          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id           text COLLATE "C" NOT NULL UNIQUE,
    quote_seq    bigint NOT NULL REFERENCES quotes (seq) ON DELETE CASCADE,
    url          text NOT NULL,
    url_key      text NOT NULL, -- the URL normalised, so one source is cited once per quote
    title        text,
    publisher    text,
    published_at date,
    accessed_at  date,
    archive_url  text,
    excerpt      text,
    relation     text NOT NULL CHECK (relation IN ('primary', 'report', 'supports', 'refutes', 'context')),
    created_by   text NOT NULL,
    version      bigint NOT NULL DEFAULT 1,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    UNIQUE (quote_seq, url_key)
);

-- Verdicts are appended, never changed: the newest is the quote's current one and each
-- names the one it supersedes.
CREATE TABLE verdicts (
    seq         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id          text COLLATE "C" NOT NULL UNIQUE,
    quote_seq   bigint NOT NULL REFERENCES quotes (seq) ON DELETE CASCADE,
    attribution text NOT NULL CHECK (attribution IN ('unverified', 'verified', 'paraphrased', 'out_of_context', 'disputed', 'misattributed')),
    rating      text CHECK (rating IN ('true', 'mostly_true', 'half_true', 'mostly_false', 'false', 'unproven', 'not_checkable')),
    summary     text NOT NULL,
    reviewed_by text NOT NULL,
    supersedes  text COLLATE "C" REFERENCES verdicts (id),
    created_at  timestamptz NOT NULL
);
CREATE INDEX verdicts_quote ON verdicts (quote_seq, seq);

CREATE FUNCTION verbatim_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END;
$$;
CREATE TRIGGER verdicts_append_only BEFORE UPDATE ON verdicts
    FOR EACH ROW EXECUTE FUNCTION verbatim_append_only();

CREATE TABLE verdict_citations (
    verdict_seq bigint NOT NULL REFERENCES verdicts (seq) ON DELETE CASCADE,
    ord         integer NOT NULL,
    citation_id text COLLATE "C" NOT NULL REFERENCES citations (id) ON DELETE CASCADE,
    PRIMARY KEY (verdict_seq, ord)
);
CREATE INDEX verdict_citations_citation ON verdict_citations (citation_id);

-- The quote points at its current verdict; the ClaimReview feed pages by it.
ALTER TABLE quotes ADD FOREIGN KEY (verdict_seq) REFERENCES verdicts (seq);
CREATE INDEX quotes_verdict ON quotes (verdict_seq) WHERE verdict_seq IS NOT NULL;

-- MinHash LSH bands of each quote's normalised words, looked up by key only: a quote's
-- bands are found again from its text when it changes or is deleted.
CREATE TABLE quote_bands (
    key       bigint NOT NULL,
    quote_seq bigint NOT NULL,
    PRIMARY KEY (key, quote_seq)
);

-- Access control and the audit trail.
CREATE TABLE api_keys (
    id         text COLLATE "C" PRIMARY KEY,
    name       text NOT NULL,
    role       text NOT NULL CHECK (role IN ('reader', 'editor', 'factchecker', 'admin')),
    hash       bytea NOT NULL UNIQUE, -- SHA-256 of the key; the key itself is never stored
    hint       text NOT NULL,         -- the key's first characters, to tell keys apart
    created_at timestamptz NOT NULL,
    revoked_at timestamptz
);

-- Every write, appended in the writing transaction: who, when, what, and each changed
-- field before and after. Nothing updates or deletes it.
CREATE TABLE audit_log (
    seq         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL,
    actor       text NOT NULL,
    action      text NOT NULL,
    resource    text NOT NULL,
    resource_id text COLLATE "C" NOT NULL,
    quote_id    text COLLATE "C",
    changes     jsonb NOT NULL -- {"field": {"before": …, "after": …}}
);
CREATE INDEX audit_log_resource ON audit_log (resource, resource_id, seq);
CREATE INDEX audit_log_quote ON audit_log (quote_id, seq) WHERE quote_id IS NOT NULL;
CREATE INDEX audit_log_actor ON audit_log (actor, seq);
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION verbatim_append_only();

-- Idempotency keys are scoped to the API key that sent them; the request's hash tells a
-- retry from a mistake; a row without a status is a request still running.
CREATE TABLE idempotency_keys (
    key_id       text COLLATE "C" NOT NULL,
    key          text COLLATE "C" NOT NULL,
    request_hash text,
    status       integer,
    response     bytea,
    created_at   timestamptz NOT NULL,
    PRIMARY KEY (key_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- Keys the database makes once: the cursor-signing key (written by the migration's Go step).
CREATE TABLE secrets (
    name  text PRIMARY KEY,
    value bytea NOT NULL
);
