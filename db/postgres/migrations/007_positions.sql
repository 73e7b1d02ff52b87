-- A speaker's positions over time, as JSON text: [{"title": …, "from": "2025-01", "to": null}].
-- They are read with the speaker, never searched or indexed: text keeps them as written.
ALTER TABLE speakers ADD COLUMN positions text NOT NULL DEFAULT '[]';
