-- Webhooks: endpoints newsroom systems register, and a transactional outbox — every
-- change's event is written in the transaction of the change, with one delivery per
-- endpoint it concerns, so no committed change is missed and no rolled-back one is sent.
-- Nodes claim due deliveries with FOR UPDATE SKIP LOCKED and a lease.
CREATE TABLE webhooks (
    id              text COLLATE "C" PRIMARY KEY,
    url             text NOT NULL,
    description     text NOT NULL DEFAULT '',
    event_types     text[] NOT NULL,
    watches         jsonb NOT NULL,            -- speakers, quotes, outlets, tags
    secret          text NOT NULL,             -- whsec_…, needed to sign: not hashable
    previous_secret text,                      -- still signed with until previous_until
    previous_until  timestamptz,
    enabled         boolean NOT NULL DEFAULT true,
    disabled_reason text,
    failing_since   timestamptz,
    created_by      text NOT NULL,
    version         bigint NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);

CREATE TABLE webhook_events (
    seq         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id          text COLLATE "C" NOT NULL UNIQUE, -- msg_…, the webhook-id of every delivery of it
    type        text NOT NULL,
    resource    text NOT NULL,
    resource_id text COLLATE "C" NOT NULL,
    quote_id    text COLLATE "C",
    version     bigint,
    changed     text[] NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL
);

CREATE INDEX webhook_events_created ON webhook_events (created_at);

CREATE TABLE webhook_deliveries (
    seq             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id              text COLLATE "C" NOT NULL UNIQUE,
    event_seq       bigint NOT NULL REFERENCES webhook_events (seq),
    webhook_id      text COLLATE "C" NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    state           text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'succeeded', 'failed')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    claimed_until   timestamptz,
    last_status     integer,
    last_error      text,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, seq);
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_seq);
CREATE INDEX webhook_deliveries_settled ON webhook_deliveries (updated_at) WHERE state <> 'pending';

CREATE TABLE webhook_attempts (
    delivery_seq bigint NOT NULL REFERENCES webhook_deliveries (seq) ON DELETE CASCADE,
    n            integer NOT NULL,
    at           timestamptz NOT NULL,
    duration_ms  integer NOT NULL,
    status       integer,
    error        text,
    response     text,
    PRIMARY KEY (delivery_seq, n)
);

CREATE TABLE citation_fetches (
    seq           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    citation_seq  bigint NOT NULL REFERENCES citations (seq) ON DELETE CASCADE,
    state         text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'fetched', 'failed')),
    requested_by  text NOT NULL,
    requested_at  timestamptz NOT NULL,
    claimed_until timestamptz,
    fetched_at    timestamptz,
    status        integer,
    content_type  text,
    bytes         bigint,
    sha256        text,
    found         boolean,
    found_at      integer,
    context       text,
    changed       boolean,
    error         text
);
CREATE INDEX citation_fetches_citation ON citation_fetches (citation_seq, seq);
CREATE INDEX citation_fetches_due ON citation_fetches (requested_at) WHERE state = 'pending';
