-- The console's sign-ins: a session stands for the API key it was opened with, so a
-- revoked key ends its sessions at once. Only the token's hash is kept; the CSRF token
-- is the session's own, sent back in every form.
CREATE TABLE sessions (
    token_hash BLOB PRIMARY KEY,
    key_id     TEXT NOT NULL,
    csrf       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_expires ON sessions (expires_at);

-- A fact-checker's claim on a quote in the review queue: shown to the others, ended by a
-- verdict, a release or its expiry.
CREATE TABLE quote_claims (
    quote_seq  INTEGER PRIMARY KEY REFERENCES quotes (seq) ON DELETE CASCADE,
    key_id     TEXT NOT NULL,
    name       TEXT NOT NULL,
    claimed_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
