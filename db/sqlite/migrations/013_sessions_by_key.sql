-- A key's sessions, newest first: signing in ends the oldest past the cap per key.
CREATE INDEX sessions_key ON sessions (key_id, created_at);
