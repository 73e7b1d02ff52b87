-- Access control and the audit trail.

CREATE TABLE api_keys (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('reader', 'editor', 'factchecker', 'admin')),
    hash       BLOB NOT NULL UNIQUE, -- SHA-256 of the key; the key itself is never stored
    hint       TEXT NOT NULL,        -- the key's first characters, to tell keys apart
    created_at TEXT NOT NULL,
    revoked_at TEXT
);

-- Every write, appended in the writing transaction: who, when, what, and each changed
-- field before and after. Nothing updates or deletes it.
CREATE TABLE audit_log (
    seq         INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    resource    TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    quote_id    TEXT,
    changes     TEXT NOT NULL -- JSON: {"field": {"before": …, "after": …}}
);
CREATE INDEX audit_log_resource ON audit_log (resource, resource_id, seq);
CREATE INDEX audit_log_quote ON audit_log (quote_id, seq) WHERE quote_id IS NOT NULL;
CREATE INDEX audit_log_actor ON audit_log (actor, seq);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

-- Who recorded what: the name of the key that made the request, never a client's claim.
ALTER TABLE quotes ADD COLUMN created_by TEXT NOT NULL DEFAULT 'system';
ALTER TABLE citations ADD COLUMN created_by TEXT NOT NULL DEFAULT 'system';
ALTER TABLE verdicts RENAME COLUMN reviewer TO reviewed_by;
