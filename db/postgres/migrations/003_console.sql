-- The console's sign-ins: a session stands for the API key it was opened with, so a
-- revoked key ends its sessions at once. Only the token's hash is kept; the CSRF token
-- is the session's own, sent back in every form.
CREATE TABLE sessions (
    token_hash bytea PRIMARY KEY,
    key_id     text COLLATE "C" NOT NULL,
    csrf       text NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- A fact-checker's claim on a quote in the review queue: shown to the others, ended by a
-- verdict, a release or its expiry.
CREATE TABLE quote_claims (
    quote_seq  bigint PRIMARY KEY REFERENCES quotes (seq) ON DELETE CASCADE,
    key_id     text COLLATE "C" NOT NULL,
    name       text NOT NULL,
    claimed_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
);
