-- The search index keeps no copy of the folded words it indexes: nothing reads them
-- back (search asks the index which rows match and how well, then reads the quotes),
-- and the copy was a tenth of an archive. Being contentless, the index is written a
-- row's every column at once (its triggers and the speaker's re-indexing do), and
-- forgets a row by its key alone (contentless_delete).
DROP TABLE quotes_fts;
CREATE VIRTUAL TABLE quotes_fts USING fts5(
    text, speaker, context,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3',
    content = '',
    contentless_delete = 1
);
INSERT INTO quotes_fts (rowid, text, speaker, context)
SELECT q.seq, verbatim_index(q.text),
       verbatim_index((SELECT group_concat(name, ' ') FROM speaker_names WHERE speaker_id = q.speaker_id)),
       verbatim_index(q.context)
FROM quotes q;
