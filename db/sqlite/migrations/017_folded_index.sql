-- The search index holds each text as Go folds it (verbatim_index: search.IndexTokens),
-- not as SQLite's unicode61 would: the same folding as PostgreSQL's vectors and the
-- query side — ß as ss, Greek final sigma as sigma, Arabic and Hebrew marks dropped,
-- Arabic letter forms folded, full-width forms narrowed, and Chinese and Japanese split
-- into one word per character, which unicode61 cannot do. unicode61 still splits the
-- folded words on their spaces.
DROP TRIGGER quotes_fts_insert;
CREATE TRIGGER quotes_fts_insert AFTER INSERT ON quotes
WHEN NOT EXISTS (SELECT 1 FROM fts_deferred) BEGIN
    INSERT INTO quotes_fts (rowid, text, speaker, context) VALUES (new.seq, verbatim_index(new.text),
        verbatim_index((SELECT group_concat(name, ' ') FROM speaker_names WHERE speaker_id = new.speaker_id)),
        verbatim_index(new.context));
END;

DROP TRIGGER quotes_fts_update;
CREATE TRIGGER quotes_fts_update AFTER UPDATE OF text, speaker_id, context ON quotes BEGIN
    UPDATE quotes_fts SET text = verbatim_index(new.text),
        speaker = verbatim_index((SELECT group_concat(name, ' ') FROM speaker_names WHERE speaker_id = new.speaker_id)),
        context = verbatim_index(new.context)
    WHERE rowid = new.seq;
END;

DELETE FROM quotes_fts;
INSERT INTO quotes_fts (rowid, text, speaker, context)
SELECT q.seq, verbatim_index(q.text),
       verbatim_index((SELECT group_concat(name, ' ') FROM speaker_names WHERE speaker_id = q.speaker_id)),
       verbatim_index(q.context)
FROM quotes q;

-- Names are found by the same folding: keys made before it changed are made again. Two
-- outlets whose names fold alike only now keep their old keys (names are one outlet's).
UPDATE speakers SET name_key = verbatim_fold(name);
UPDATE speaker_names SET name_key = verbatim_fold(name);
UPDATE OR IGNORE outlets SET name_key = verbatim_fold(name);
UPDATE OR IGNORE outlet_names SET name_key = verbatim_fold(name);
