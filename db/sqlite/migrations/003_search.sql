-- Full-text search over quotes: the words (ranked highest), the speaker's names and
-- aliases, and the context. unicode61 with remove_diacritics 2 folds case and accents and
-- splits on punctuation, so isn't and isn’t index alike; the stored text is untouched.
CREATE VIRTUAL TABLE quotes_fts USING fts5(
    text, speaker, context,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);

INSERT INTO quotes_fts (rowid, text, speaker, context)
SELECT q.seq, q.text,
       (SELECT group_concat(name, ' ') FROM speaker_names WHERE speaker_id = q.speaker_id),
       coalesce(q.context, '')
FROM quotes q;

-- Triggers keep the index in the same transaction as every write to quotes; renaming a
-- speaker re-indexes their quotes in application code (db.UpdateSpeaker).
CREATE TRIGGER quotes_fts_insert AFTER INSERT ON quotes BEGIN
    INSERT INTO quotes_fts (rowid, text, speaker, context) VALUES (new.seq, new.text,
        (SELECT group_concat(name, ' ') FROM speaker_names WHERE speaker_id = new.speaker_id),
        coalesce(new.context, ''));
END;

CREATE TRIGGER quotes_fts_update AFTER UPDATE OF text, speaker_id, context ON quotes BEGIN
    UPDATE quotes_fts SET text = new.text,
        speaker = (SELECT group_concat(name, ' ') FROM speaker_names WHERE speaker_id = new.speaker_id),
        context = coalesce(new.context, '')
    WHERE rowid = new.seq;
END;

CREATE TRIGGER quotes_fts_delete AFTER DELETE ON quotes BEGIN
    DELETE FROM quotes_fts WHERE rowid = old.seq;
END;

-- MinHash LSH bands of each quote's normalised words: quotes sharing a band are
-- candidate variants of one another ("NATO isn't on the table" / "NATO is not on the table").
CREATE TABLE quote_bands (
    key       INTEGER NOT NULL,
    quote_seq INTEGER NOT NULL REFERENCES quotes (seq) ON DELETE CASCADE,
    PRIMARY KEY (key, quote_seq)
) WITHOUT ROWID;
CREATE INDEX quote_bands_quote ON quote_bands (quote_seq);
