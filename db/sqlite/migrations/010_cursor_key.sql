-- The key that signs list cursors, made once per database: a cursor from this archive is
-- accepted by every server of it, after restarts and restores, and a forged one is not.
CREATE TABLE secrets (
    name  TEXT PRIMARY KEY,
    value BLOB NOT NULL
) WITHOUT ROWID;
INSERT INTO secrets (name, value) VALUES ('cursor', randomblob(32));
