-- A bulk import indexes a batch's new quotes with one INSERT … SELECT after writing them,
-- which costs less than half of indexing them row by row through the trigger. While the
-- batch is written its transaction holds this flag row and the trigger stands aside; the
-- row is deleted before the transaction commits, so no other connection ever sees it.
CREATE TABLE fts_deferred (
    one INTEGER PRIMARY KEY CHECK (one = 1)
);

DROP TRIGGER quotes_fts_insert;
CREATE TRIGGER quotes_fts_insert AFTER INSERT ON quotes
WHEN NOT EXISTS (SELECT 1 FROM fts_deferred) BEGIN
    INSERT INTO quotes_fts (rowid, text, speaker, context) VALUES (new.seq, new.text,
        (SELECT group_concat(name, ' ') FROM speaker_names WHERE speaker_id = new.speaker_id),
        coalesce(new.context, ''));
END;
