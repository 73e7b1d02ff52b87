-- A speaker's positions over time, as JSON: [{"title": …, "from": "2025-01", "to": null}].
-- They are read with the speaker, never searched: a column of the row is enough.
ALTER TABLE speakers ADD COLUMN positions TEXT NOT NULL DEFAULT '[]';
