-- Webhooks: endpoints newsroom systems register, and a transactional outbox — every
-- change's event is written in the transaction of the change, with one delivery per
-- endpoint it concerns, so no committed change is missed and no rolled-back one is sent.
CREATE TABLE webhooks (
    id                 TEXT PRIMARY KEY,
    url                TEXT NOT NULL,
    description        TEXT NOT NULL DEFAULT '',
    event_types        TEXT NOT NULL,          -- JSON array
    watches            TEXT NOT NULL,          -- JSON object: speakers, quotes, outlets, tags
    secret             TEXT NOT NULL,          -- whsec_…, needed to sign: not hashable
    previous_secret    TEXT,                   -- still signed with until previous_until
    previous_until     TEXT,
    enabled            INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    disabled_reason    TEXT,
    failing_since      TEXT,
    created_by         TEXT NOT NULL,
    version            INTEGER NOT NULL DEFAULT 1,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
);

-- An event is what changed: its type, the resource, its version and the fields changed.
CREATE TABLE webhook_events (
    seq         INTEGER PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,          -- msg_…, the webhook-id of every delivery of it
    type        TEXT NOT NULL,
    resource    TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    quote_id    TEXT,
    version     INTEGER,
    changed     TEXT NOT NULL DEFAULT '[]',    -- JSON array of field names
    created_at  TEXT NOT NULL
);

CREATE INDEX webhook_events_created ON webhook_events (created_at);

-- A delivery is one event for one endpoint: pending until a node claims it (claimed_until,
-- a lease, so a node that dies mid-attempt leaves it to another), then succeeded, or
-- pending again at next_attempt_at, or failed once the retry schedule is spent.
CREATE TABLE webhook_deliveries (
    seq             INTEGER PRIMARY KEY,
    id              TEXT NOT NULL UNIQUE,
    event_seq       INTEGER NOT NULL REFERENCES webhook_events (seq),
    webhook_id      TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'succeeded', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    claimed_until   TEXT,
    last_status     INTEGER,
    last_error      TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, seq);
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_seq);
CREATE INDEX webhook_deliveries_settled ON webhook_deliveries (updated_at) WHERE state <> 'pending';

-- Every attempt: when, how long, what came back (the body truncated).
CREATE TABLE webhook_attempts (
    delivery_seq INTEGER NOT NULL REFERENCES webhook_deliveries (seq) ON DELETE CASCADE,
    n            INTEGER NOT NULL,
    at           TEXT NOT NULL,
    duration_ms  INTEGER NOT NULL,
    status       INTEGER,
    error        TEXT,
    response     TEXT,
    PRIMARY KEY (delivery_seq, n)
) WITHOUT ROWID;

-- Source fetches: a citation's page, retrieved by the server on request, with its hash and
-- whether the quote's words stand in it. Each fetch is a row; the newest is the
-- citation's. Pending rows are claimed like deliveries.
CREATE TABLE citation_fetches (
    seq           INTEGER PRIMARY KEY,
    citation_seq  INTEGER NOT NULL REFERENCES citations (seq) ON DELETE CASCADE,
    state         TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'fetched', 'failed')),
    requested_by  TEXT NOT NULL,
    requested_at  TEXT NOT NULL,
    claimed_until TEXT,
    fetched_at    TEXT,
    status        INTEGER,
    content_type  TEXT,
    bytes         INTEGER,
    sha256        TEXT,
    found         INTEGER CHECK (found IN (0, 1)),
    found_at      INTEGER,
    context       TEXT,
    changed       INTEGER CHECK (changed IN (0, 1)),
    error         TEXT
);
CREATE INDEX citation_fetches_citation ON citation_fetches (citation_seq, seq);
CREATE INDEX citation_fetches_due ON citation_fetches (requested_at) WHERE state = 'pending';
